"""`saferkit data synth-video` as a user runs it: clips, manifest with marker segments, provenance, reproducible bytes."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from saferkit.core.video import read_frames


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True, timeout=300)


def test_synth_video_writes_clips_manifest_and_provenance(tmp_path):
    out = tmp_path / "clips"
    result = _run("data", "synth-video", str(out), "--n", "3", "--seconds", "3", "--size", "96x64", "--container", "mkv")
    assert result.returncode == 0, result.stderr
    assert "wrote 3 clips" in result.stdout
    rows = list(csv.DictReader(open(out / "manifest.csv", encoding="utf-8")))
    assert len(rows) == 3 and {r["container"] for r in rows} == {"mkv"}
    for row in rows:
        info, frames = read_frames(out / row["path"])
        assert (info.width, info.height) == (96, 64) and info.codec == "h264" and len(frames) >= 3
        assert 0 <= float(row["marker_start"]) < float(row["marker_end"]) <= 3
        assert (row["category"] == "none") == (row["flag"] == "0")
    assert (out / "provenance.json").is_file()
    again = tmp_path / "again"
    assert _run("data", "synth-video", str(again), "--n", "3", "--seconds", "3", "--size", "96x64", "--container", "mkv").returncode == 0
    for row in rows:
        assert (out / row["path"]).read_bytes() == (again / row["path"]).read_bytes()


def test_bad_arguments_are_one_line(tmp_path):
    result = _run("data", "synth-video", str(tmp_path / "x"), "--size", "95x64")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "even numbers" in result.stderr
    result = _run("data", "synth-video", str(tmp_path / "x"), "--container", "flv")
    assert result.returncode == 2 and "unknown container" in result.stderr


def test_manifest_reads_back(tmp_path):
    from saferkit.datasets.video import VideoConfig, generate_videos, read_video_manifest

    root, specs, _ = generate_videos(Path(tmp_path / "v"), VideoConfig(n=2, seconds=2, width=64, height=48))
    assert read_video_manifest(root) == specs
