"""Every command of docs/scan.md and docs/serving.md, and the hashing, serving and scan commands of README.md, run as written."""

from __future__ import annotations

import json
import shutil

import pytest
from docs_runner import REPO, Server, commands, environment, free_port, on_port, run, shell_blocks
from evidence_helpers import noise_picture, write_scorecard

from saferkit.core.keys import generate_keypair
from saferkit.evaluation.submission import load_submission
from saferkit.hashing.hashlist import HashRecord, write_hashlist

pytestmark = pytest.mark.slow


def _toy(folder, toy_submission, **manifest):
    made = toy_submission(folder_name=folder.name, **manifest)
    folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(made), folder)
    return folder


def _list(path, pictures):
    from saferkit.hashing import hash_bytes

    records = []
    for i, picture in enumerate(pictures):
        hashes = hash_bytes(picture.read_bytes(), ["md5", "pdq"])
        records += [HashRecord("md5", hashes["md5"], str(i + 1), "1"), HashRecord("pdq", hashes["pdq"], str(i + 1), "1")]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_hashlist(records, path)
    return path


def _run_all(lines, cwd, env):
    for command in lines:
        result = run(command, cwd, env)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"


def test_scan_md_commands_run_as_written(tmp_path, toy_submission, drive):
    cwd = tmp_path / "work"
    cwd.mkdir()
    shutil.copytree(drive["root"], cwd / "evidence" / "drive01")
    sub = _toy(cwd / "submissions" / "baseline", toy_submission)
    write_scorecard(cwd / "submissions", load_submission(sub).sha256, qualified=True)
    _list(cwd / "lists" / "known.csv", drive["listed"])
    generate_keypair(cwd / "examiner.pem")
    lines = [line for block in shell_blocks(REPO / "docs" / "scan.md") for line in commands(block)]
    assert len(lines) >= 7 and lines[0].startswith("saferkit scan evidence/drive01")
    _run_all(lines, cwd, environment(tmp_path))
    assert json.loads((cwd / "media.json").read_text())["value"][0]["CaseNumber"] == "OP-2026-17"
    assert (cwd / "drive01-report.html").is_file() and (cwd / "provenance.jsonld").is_file()


def test_serving_md_commands_run_as_written(tmp_path, toy_submission, drive):
    cwd = tmp_path / "work"
    cwd.mkdir()
    _toy(cwd / "demo-out" / "submission", toy_submission, name="saferkit-baseline", version="0.1.0")
    _list(cwd / "demo-out" / "hashing" / "demo-list.csv", drive["listed"])
    for name in ("scene.jpg", "a.jpg", "b.png"):
        noise_picture(cwd / name, seed=len(name))
    from saferkit.datasets.video import VideoConfig, clip_bytes, plan_clips

    (cwd / "clip.mp4").write_bytes(clip_bytes(plan_clips(VideoConfig(n=1, seconds=3, fps=10, width=160, height=120))[0]))
    env = environment(tmp_path)
    port = free_port()
    lines = [on_port(line, port) for block in shell_blocks(REPO / "docs" / "serving.md") for line in commands(block)]
    serve = [line for line in lines if line.startswith("saferkit serve ") and "verify-audit" not in line]
    assert len(serve) == 1
    before = lines[:lines.index(serve[0])]
    after = [line for line in lines[lines.index(serve[0]) + 1:] if "verify-audit" not in line]
    _run_all(before, cwd, env)
    with Server(serve[0], cwd, env, port):
        script = "set -e\n" + "\n".join(f"{line}; echo" for line in after)  # KEY=... carries to the curl lines
        result = run(script, cwd, env)
        assert result.returncode == 0, result.stderr
        replies = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        assert len(replies) == len([line for line in after if line.startswith("curl")]) >= 3
        for reply in replies:
            assert "error" not in reply and reply["results"], reply
    audit = [line for line in lines if "verify-audit" in line]
    _run_all(audit, cwd, env)


def test_readme_hashing_serving_and_scan_commands_run_as_written(tmp_path, toy_submission, drive):
    cwd = tmp_path / "work"
    cwd.mkdir()
    shutil.copytree(drive["root"], cwd / "media")
    sub = _toy(cwd / "submission", toy_submission)
    write_scorecard(cwd / "scorecard", load_submission(sub).sha256, qualified=True)
    _list(cwd / "known.json", drive["listed"])
    env = environment(tmp_path)
    wanted = ("saferkit hash ", "saferkit hashlist ", "saferkit match ", "saferkit scan ", "SAFERKIT_API_KEYS")
    lines = [line.split("  #")[0].strip() for block in shell_blocks(REPO / "README.md") for line in commands(block)]
    lines = [line for line in lines if line.startswith(wanted)]
    assert len(lines) == 8, lines  # `hashing bench` takes minutes; tests/hashing/test_robustness.py runs it small
    port = free_port()
    for line in lines:
        if line.startswith("SAFERKIT_API_KEYS"):
            with Server(on_port(line, port), cwd, env, port):
                pass
        else:
            _run_all([line], cwd, env)
    assert (cwd / "triage.html").is_file() and (cwd / "scan-vics.json").is_file()
