"""The synthetic-drive commands in docs/scan.md, run exactly as written (in a scratch folder)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from saferkit.serving.scan import store

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(heading: str) -> list[list[str]]:
    section = (DOCS / "scan.md").read_text(encoding="utf-8").split(heading, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash)?\n(.*?)```", section, flags=re.S)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.startswith("saferkit ")]


def test_synth_drive_commands_run_as_written(tmp_path, monkeypatch, capsys):
    from saferkit.cli import main

    monkeypatch.chdir(tmp_path)
    commands = _commands("### A synthetic seized drive")
    assert [argv[1] for argv in commands] == ["data", "scan"]
    for argv in commands:
        try:
            main(argv[1:])
        except SystemExit as exc:
            assert exc.code in (0, None), f"{' '.join(argv)} -> {exc.code}: {capsys.readouterr().err}"
    truth = json.loads(Path("drive-demo/truth.json").read_text(encoding="utf-8"))
    summary = store.read_json(Path("drive-demo/result") / store.SUMMARY_NAME)
    assert summary["complete"] and summary["hash_hits"] >= len([e for e in truth["listed"] if e.get("must_match", True)])


def test_video_commands_run_as_written(tmp_path, monkeypatch, capsys):
    from saferkit.cli import main

    monkeypatch.chdir(tmp_path)
    commands = _commands("## Video")
    assert [argv[1:3] for argv in commands] == [["data", "synth-video"], ["hashing", "vpdq"], ["scan", "video-demo/clips/videos"],
                                                ["scan", "report"]]
    for argv in commands:
        try:
            main(argv[1:])
        except SystemExit as exc:
            assert exc.code in (0, None), f"{' '.join(argv)} -> {exc.code}: {capsys.readouterr().err}"
    rows = {Path(row["path"]).name: row for row in store.read_rows(Path("video-demo/result")).to_pylist()}
    assert sorted(rows) == [f"clip_0000{k}.mp4" for k in range(4)]
    assert rows["clip_00001.mp4"]["status"] == store.STATUS_MATCHED and rows["clip_00001.mp4"]["matched_segments"]
    assert all(rows[f"clip_0000{k}.mp4"]["status"] == store.STATUS_HASHED and not rows[f"clip_0000{k}.mp4"]["matches"]
               for k in (0, 2, 3))
    assert Path("video-demo/report.html").read_text(encoding="utf-8").count('<tr class="video">') == 4
