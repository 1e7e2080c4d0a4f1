"""Every command line of docs/scan.md and docs/serving.md, run as written (README.md: tests/docs/test_readme_md.py)."""

from __future__ import annotations

import json
import shutil

import pytest
from docs_runner import DocRun, environment, free_port
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


def test_scan_md_commands_run_as_written(tmp_path, toy_submission, drive):
    cwd = tmp_path / "work"
    cwd.mkdir()
    shutil.copytree(drive["root"], cwd / "evidence" / "drive01")
    sub = _toy(cwd / "submissions" / "baseline", toy_submission)
    write_scorecard(cwd / "submissions", load_submission(sub).sha256, qualified=True)
    _list(cwd / "lists" / "known.csv", drive["listed"])
    generate_keypair(cwd / "examiner.pem")
    doc = DocRun("docs/scan.md", cwd, environment(tmp_path))
    assert len(doc.lines) >= 7 and doc.lines[0].startswith("saferkit scan evidence/drive01")
    doc.run_rest()
    doc.finish()
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
    doc = DocRun("docs/serving.md", cwd, environment(tmp_path))
    port = free_port()
    doc.run_until("saferkit serve ")
    with doc.serve("saferkit serve ", port, "/v2/health/ready"):
        asked = [line for line in doc.todo() if "verify-audit" not in line]
        result = doc.run_together(*asked, port=port, then="; echo")  # KEY=... carries to the curl lines
        replies = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        assert len(replies) == len([line for line in asked if line.startswith("curl")]) >= 3
        for reply in replies:
            assert "error" not in reply and reply["results"], reply
    doc.run_rest()  # verify-audit, once the server has stopped
    doc.finish()
