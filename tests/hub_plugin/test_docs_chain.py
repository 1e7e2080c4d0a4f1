"""The vetting-chain commands in docs/hub.md and docs/ethics.md, run exactly as written."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ethics"))

from ethics_cases import full_review, good_manifest_overrides, make_report, write_report  # noqa: E402

from saferkit.evaluation.submission import load_submission  # noqa: E402

DOCS = Path(__file__).resolve().parents[2] / "docs"


def bash_blocks_after(document: Path, heading: str) -> list[str]:
    """The ```bash blocks of one section (up to the next heading of the same level)."""
    text = document.read_text(encoding="utf-8")
    level = heading.split(" ")[0]
    section = text.split(heading, 1)[1].split("\n" + level + " ", 1)[0]
    return re.findall(r"```(?:bash)?\n(.*?)```", section, flags=re.S)


def commands(block: str) -> list[list[str]]:
    return [shlex.split(line) for line in block.splitlines() if line.startswith("saferkit ")]


def run_all(cli, block: str) -> list[str]:
    outputs = []
    for argv in commands(block):
        redirect = None
        if ">" in argv:
            argv, redirect = argv[:argv.index(">")], argv[argv.index(">") + 1]
        code, out, err = cli(*argv[1:])
        assert code == 0, f"{' '.join(argv)} -> {code}: {err}"
        if redirect:
            Path(redirect).write_text(out, encoding="utf-8")
        outputs.append(out)
    return outputs


def test_vetting_chain_commands_in_hub_md_run_as_written(toy_submission, cli, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SAFERKIT_HUB_REGISTRY")
    monkeypatch.chdir(tmp_path)
    submission = toy_submission(folder_name="submission", **good_manifest_overrides())
    sha = load_submission(submission).sha256
    write_report(tmp_path / "eval", make_report(sha))
    Path("review.yaml").write_text(yaml.safe_dump(full_review(sha)), encoding="utf-8")

    folder_block, server_block = bash_blocks_after(DOCS / "hub.md", "## The vetting chain: who judged, under which limits")
    outputs = run_all(cli, folder_block)
    assert any("toy-red 1.0.0: published" in out for out in outputs)
    verified = next(out for out in outputs if "signature valid" in out)
    assert "evaluated by Lab A" in verified and "reviewed by R. Viewer" in verified and "chain valid: accredited" in verified
    code, _, err = cli("hub", "verify", "catalogue/toy-red/1.0.0", "--public-key", "team.pub", "--registry", "registry.json")
    assert code == 2 and "evaluator-revoked" in err  # the last command of the block took effect
    run_all(cli, server_block)


def test_signing_commands_in_ethics_md_run_as_written(toy_submission, cli, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    submission = toy_submission(folder_name="submission", **good_manifest_overrides())
    sha = load_submission(submission).sha256
    write_report(tmp_path / "eval", make_report(sha))
    Path("review.yaml").write_text(yaml.safe_dump(full_review(sha)), encoding="utf-8")
    for name in ("lab", "reviewer"):
        assert cli("hub", "keygen", "--out", f"{name}.pem")[0] == 0
    section = (DOCS / "ethics.md").read_text(encoding="utf-8").split("### Signing the scorecard", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", section, flags=re.S)
    check, sign = commands(blocks[0])[0], commands(blocks[1])[0]
    assert cli(*sign[1:])[0] == 0 and Path("review.yaml.sig").is_file()
    code, out, err = cli(*check[1:])
    assert code == 0 and Path("card/attestation.json").is_file(), err
