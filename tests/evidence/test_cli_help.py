"""`saferkit --version`, and help texts that keep their defaults (no stray spaces where markup was eaten)."""

from __future__ import annotations

import re

import pytest
from evidence_helpers import run_cli

from saferkit import __version__


def test_version_option(capsys):
    code, output = run_cli(capsys, "--version")
    assert code == 0 and output.strip() == f"saferkit {__version__}"


@pytest.mark.parametrize("command", [["scan", "run"], ["scan", "verify"], ["scan", "export"], ["scan", "report"],
                                     ["serve", "run"], ["serve", "verify-audit"], ["match"], ["hashlist", "convert"]])
def test_help_texts_have_no_holes_where_defaults_were(capsys, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "250")
    code, output = run_cli(capsys, *command, "--help")
    assert code == 0
    holes = re.findall(r"\w \.(?:\s|$)|\w ;|\(\s*\)", output)
    assert not holes, holes
    if command == ["scan", "run"]:
        assert "(default: CPU cores)" in output
