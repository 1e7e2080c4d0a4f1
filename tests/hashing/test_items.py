"""`saferkit hash` and `saferkit match` look inside files as the scan does, on `saferkit data synth-drive` output.

One synthetic drive (scenes of shapes, no people) is built for the module and
scanned once; hashing it must give the scan's rows (same virtual paths, same
parents, same digests and PDQ, truncated carved files decoded as far as they
go and marked `partial` as the scan does), and matching it must report every
listed item the scan finds.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest

from saferkit.core import plan
from saferkit.datasets.drive import build_drive
from saferkit.hashing.bulk import hash_to_file
from saferkit.hashing.rowfile import read_rows

NESTED = "Users/alice/Downloads/photos.zip!/photos/nested.zip!/img_03.jpg"


@pytest.fixture(scope="module")
def drive(tmp_path_factory) -> dict[str, Any]:
    from rich.console import Console

    from saferkit.serving.scan import store
    from saferkit.serving.scan.runner import ScanOptions, run_scan

    root = tmp_path_factory.mktemp("drive")
    truth = build_drive(root / "synth", size=128)
    folder = root / "synth" / "drive"
    run_scan(ScanOptions(out=root / "scan", source=folder, hashlists=[root / "synth" / "known.csv"], workers=2,
                         progress=False), Console(file=io.StringIO()))
    prefix = f"{folder}/"
    scan_rows = {row["path"].removeprefix(prefix): row for row in store.read_rows(root / "scan").to_pylist()}
    hash_to_file([folder], root / "hashes.jsonl", workers=2)
    hashed = {row["path"].removeprefix(prefix): row for row in read_rows(root / "hashes.jsonl")}
    return {"root": root, "folder": folder, "truth": truth, "scan": scan_rows, "hashed": hashed, "prefix": prefix}


def test_hash_gives_the_scans_rows_for_what_files_hold(drive):
    scan, hashed, prefix = drive["scan"], drive["hashed"], drive["prefix"]
    assert set(hashed) == set(scan)
    assert NESTED in hashed and hashed[NESTED]["parent"] == f"{prefix}Users/alice/Downloads/photos.zip!/photos/nested.zip"
    inside = [path for path in hashed if "!/" in path or "#frame=" in path]
    assert any(".tar.gz!/" in p for p in inside) and any(".7z!/" in p for p in inside) and any(".pdf!/" in p for p in inside)
    assert any(".img!/p1/" in p for p in inside) and any("#frame=" in p for p in inside)
    for path in hashed:
        assert hashed[path]["parent"] == scan[path]["parent"], path
        assert hashed[path].get("md5") == scan[path].get("md5"), path
        if scan[path].get("pdq"):
            assert hashed[path]["pdq"] == scan[path]["pdq"], path
        assert bool(hashed[path].get("partial")) == bool(scan[path].get("partial")), path
    for entry in drive["truth"]["hostile"]:
        if "!/" in entry["path"] and entry["kind"] in ("encrypted", "symlink_member", "too_large"):
            assert hashed[entry["path"]]["error_kind"] == entry["kind"], entry
    assert hashed["hostile/bomb.zip"]["error_kind"] == "archive_bomb"
    assert not [path for path in hashed if path.startswith("hostile/bomb.zip!/")]


def test_match_reports_listed_items_inside_archives_frames_pdfs_and_disk_images(drive):
    out = drive["root"] / "matches.csv"
    result = subprocess.run([sys.executable, "-m", "saferkit", "match", str(drive["folder"]), "--list",
                             str(drive["folder"].parent / "known.csv"), "--out", str(out), "--workers", "2"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    found: dict[str, set[str]] = {}
    for row in read_rows(out):
        if row.get("id"):
            found.setdefault(row["path"].removeprefix(drive["prefix"]), set()).add(row["id"])
    assert "S021" in found[NESTED]
    checked = 0
    for entry in drive["truth"]["listed"]:
        if entry["how"].endswith("-vpdq"):
            continue  # a re-encoded video: its frames are matched by the scan and `hashing match-video`, not `match`
        paths = [p for p in drive["scan"] if p.startswith(entry["path"]) and p.endswith(entry.get("name_suffix", ""))]
        if any(entry["id"] in {m["id"] for m in drive["scan"][p]["matches"]} for p in paths):  # what the scan finds
            assert any(entry["id"] in found.get(p, set()) for p in paths), entry
            checked += 1
    assert checked >= 20
    listed_ids = {entry["id"] for entry in drive["truth"]["listed"]}
    assert set().union(*found.values()) <= listed_ids  # no false "known" hit
    assert "file(s) matched" in result.stderr


def test_resume_keeps_whole_files_with_their_members_and_loses_at_most_one_shard(drive, tmp_path, monkeypatch):
    from saferkit.hashing import resume

    monkeypatch.setattr(resume, "SHARD_SIZE", 8)
    folder = drive["folder"]
    plain = tmp_path / "plain.jsonl"
    hash_to_file([folder], plain, ["md5", "pdq"], workers=1)
    out = tmp_path / "hashes.jsonl"
    seen: list[str] = []

    def stop_in_the_second_shard(row):
        seen.append(row["path"])
        if sum(1 for path in seen if "!/" not in path and "#frame=" not in path) == 10:  # file 10 is in shard 1
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        hash_to_file([folder], out, ["md5", "pdq"], workers=1, resume=True, on_row=stop_in_the_second_shard)
    state = resume.state_folder(out)
    assert plan.finished_shards(state, resume.SHARD_SUFFIX) == {0}  # the interrupted shard alone is lost
    kept = [json.loads(line) for line in plan.shard_file(state, 0, resume.SHARD_SUFFIX).read_text().splitlines()]
    expected = list(read_rows(plain))
    assert [row["path"] for row in kept] == [row["path"] for row in expected[: len(kept)]] and sum(1 for row in kept if not row["parent"]) == 8
    hash_to_file([folder], out, ["md5", "pdq"], workers=1, resume=True)
    assert out.read_text() == plain.read_text()


def test_only_digests_asked_for_still_opens_containers(drive, tmp_path):
    out = tmp_path / "md5.csv"
    summary = hash_to_file([drive["folder"] / "Users" / "alice" / "Downloads"], out, ["md5"], workers=1)
    rows = {row["path"].removeprefix(drive["prefix"]): row for row in read_rows(out)}
    assert rows[NESTED]["md5"] == drive["scan"][NESTED]["md5"] and not rows[NESTED]["error"]
    assert summary.members >= 3 and summary.files == sum(1 for row in rows.values() if not row["parent"])

