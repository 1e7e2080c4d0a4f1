"""`saferkit hashing vpdq` and `hashing match-video`: bad files are reported and skipped, never a traceback."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_bad_videos_are_reported_and_the_run_goes_on(tmp_path, clips):
    (tmp_path / "good.mp4").write_bytes(clips[3])
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "cut.mp4").write_bytes(clips[3][:2000])
    result = _run("hashing", "vpdq", str(tmp_path), "--out", str(tmp_path / "list.jsonl"))
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())  # rich wraps long lines
    assert "(empty)" in said and "(corrupt)" in said and "2 could not be read" in said
    result = _run("hashing", "match-video", str(tmp_path), "--list", str(tmp_path / "list.jsonl"))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    rows = {_name(r["path"]): r for r in map(json.loads, result.stdout.splitlines())}
    assert rows["empty.mp4"]["error_kind"] == "empty" and rows["cut.mp4"]["error_kind"] == "corrupt"
    assert [m["id"] for m in rows["good.mp4"]["matches"]] == [str(tmp_path / "good.mp4")]


def test_one_vpdq_file_needs_one_video(tmp_path, clips):
    for k in (0, 1):
        (tmp_path / f"c{k}.mp4").write_bytes(clips[k])
    result = _run("hashing", "vpdq", str(tmp_path), "--out", str(tmp_path / "x.vpdq"))
    assert result.returncode == 2 and "holds one video" in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    result = _run("hashing", "vpdq", str(tmp_path / "c0.mp4"), "--out", str(tmp_path / "c0.vpdq"))
    assert result.returncode == 0
    assert (tmp_path / "c0.vpdq").read_text().splitlines()[0].startswith("0,")


def _name(path: str) -> str:
    from pathlib import Path

    return Path(path).name


def test_crop_views_and_insets_from_the_command_line(tmp_path, clips):
    from saferkit.hashing.video_transforms import apply_video_transform, decode_clip

    listed, queries = tmp_path / "listed", tmp_path / "queries"
    listed.mkdir()
    queries.mkdir()
    (listed / "clip3.mp4").write_bytes(clips[3])
    (queries / "cropped.mp4").write_bytes(apply_video_transform(clips[3], "crop", 2))
    background = decode_clip(clips[0]).frames[0]
    (queries / "inset.mp4").write_bytes(apply_video_transform(clips[3], "picture_in_picture", 2, 1, background))
    result = _run("hashing", "vpdq", str(listed), "--crop-views", "--out", str(tmp_path / "list.csv"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "list.csv").read_text().splitlines()[0].endswith(",views")
    result = _run("hashing", "match-video", str(queries), "--list", str(tmp_path / "list.csv"), "--inset")
    assert result.returncode == 0, result.stderr
    rows = {_name(r["path"]): r for r in map(json.loads, result.stdout.splitlines())}
    assert [m["id"] for m in rows["cropped.mp4"]["matches"]] == [str(listed / "clip3.mp4")]
    assert [m["id"] for m in rows["inset.mp4"]["matches"]] == [str(listed / "clip3.mp4")]
    result = _run("hashing", "vpdq", str(listed), "--crop-views", "--out", str(tmp_path / "one.vpdq"))
    assert result.returncode == 2 and "no room for crop views" in " ".join(result.stderr.split())
    # the same list as VICS: the views ride in VPDQViews, and the cropped copy is found through them
    result = _run("hashing", "vpdq", str(listed), "--crop-views", "--out", str(tmp_path / "list.json"))
    assert result.returncode == 0, result.stderr
    [entry] = json.loads((tmp_path / "list.json").read_text())["value"]
    assert entry["MediaID"] == str(listed / "clip3.mp4") and entry["MD5"] == hashlib.md5(clips[3]).hexdigest().upper()
    assert len(entry["VPDQViews"]) == len(entry["VPDQ"])
    result = _run("hashing", "match-video", str(queries / "cropped.mp4"), "--list", str(tmp_path / "list.json"))
    assert result.returncode == 0, result.stderr
    assert [m["id"] for m in json.loads(result.stdout)["matches"]] == [str(listed / "clip3.mp4")]
