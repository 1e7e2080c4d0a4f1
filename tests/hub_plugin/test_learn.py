"""The learning centre's tutorials: every `saferkit` command in their ```bash blocks is one the kit accepts.

Each command line is parsed by the kit's own command-line parser (the sub-command
exists, every option exists and its value has the right type, required arguments
are there) without running it: a quick check that runs with the fast tests.
test_tutorials_run.py (slow) runs every line of every tutorial as written.
"""

from __future__ import annotations

import re
import shlex

import pytest
import typer

from saferkit.hub_plugin.server.learn import GROUPS, tutorial_source


def tutorial_commands(group: str) -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", tutorial_source(group), flags=re.S)
    lines = [line.split(" > ")[0] for block in blocks for line in block.splitlines()]  # `> FILE` is the shell's
    return [shlex.split(line) for line in lines if line.startswith("saferkit ")]


def parse(argv: list[str]) -> None:
    """Resolve the sub-command and parse its options as `saferkit` would, without invoking it."""
    from saferkit.cli import app

    command, args = typer.main.get_command(app), argv[1:]
    while hasattr(command, "commands"):
        if args and args[0] in command.commands:
            command, args = command.commands[args[0]], args[1:]
        elif "run" in command.commands:  # groups whose default sub-command is `run` (evaluate, scan)
            command = command.commands["run"]
        else:
            raise AssertionError(f"{' '.join(argv)}: no sub-command {args[:1]}")
    try:
        command.make_context(argv[0], list(args))
    except Exception as exc:  # click's usage errors; a missing file is fine (the tutorial makes it)
        if "does not exist" not in str(exc):
            raise AssertionError(f"{' '.join(argv)}: {type(exc).__name__}: {exc}") from None


@pytest.mark.parametrize("group", GROUPS)
def test_every_tutorial_command_parses(group):
    commands = tutorial_commands(group)
    assert commands, group
    for argv in commands:
        parse(argv)


def test_a_wrong_option_would_be_caught():
    with pytest.raises(AssertionError, match="no-such-option"):
        parse(["saferkit", "hub", "verify", "x.zip", "--no-such-option"])
    with pytest.raises(AssertionError, match="no sub-command"):
        parse(["saferkit", "hub", "frobnicate"])


def test_the_learn_catalogues_hold_every_tutorial_block():
    """Edit a tutorial, then run `write_learn_catalogues(Path("hub_plugin/locale"))` (the template and each .po)."""
    from saferkit.hub_plugin.i18n import read_catalog
    from saferkit.hub_plugin.languages import LANGUAGES
    from saferkit.hub_plugin.server.learn import messages

    expected = set(messages())
    assert expected and {(m.context, m.id) for m in read_catalog(None, "learn") if m.id} == expected
    for lang in LANGUAGES:
        if lang != "en":
            assert {(m.context, m.id) for m in read_catalog(lang, "learn") if m.id} == expected, lang
