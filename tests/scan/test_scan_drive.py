"""The scan on `saferkit data synth-drive` output: every listed item found wherever it sits, nothing else.

One synthetic drive (scenes of shapes, no people) is built and scanned once
for the module; its truth.json says where each listed item sits (loose, in
containers at any depth, on a frame or page, in a PDF, in the FAT image, as
HEIC/AVIF, truncated) and which hostile file ends as which row kind.
"""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from scan_helpers import scan

from saferkit.core import kinds
from saferkit.datasets.drive import build_drive
from saferkit.serving.scan import store


@pytest.fixture(scope="module")
def drive(tmp_path_factory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("drive")
    truth = build_drive(root / "synth", size=128)
    drive_folder = root / "synth" / "drive"
    summary = scan(root / "out", drive_folder, hashlists=[root / "synth" / "known.csv"], workers=2, shard_size=16, batch_size=4)
    rows = store.read_rows(root / "out").to_pylist()
    prefix = f"{drive_folder}/"
    by_path = {row["path"].removeprefix(prefix): row for row in rows}
    return {"root": root, "folder": drive_folder, "truth": truth, "rows": rows, "by_path": by_path, "summary": summary}


def _row_for(drive: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    if "name_suffix" in entry:  # a deleted file: its first letter is gone from the FAT entry
        [row] = [r for p, r in drive["by_path"].items() if p.startswith(entry["path"]) and p.endswith(entry["name_suffix"])]
        return row
    return drive["by_path"][entry["path"]]


def test_every_listed_item_is_found_wherever_it_sits(drive):
    truth = drive["truth"]
    hows = {entry["how"] for entry in truth["listed"]}
    assert {"reencode-heic", "reencode-avif", "gif-frame", "webp-frame", "apng-frame", "tiff-page", "pdf-image",
            "zip-in-zip-jpeg", "depth-3-copy", "7z-copy", "tar-zst-jpeg", "disk-image-copy", "disk-image-deleted",
            "truncated-progressive-jpeg-80", "truncated-baseline-jpeg-65", "truncated-png", "crop-webp", "file-md5",
            "partitioned-disk-jpeg", "e01-in-zip-copy", "disk-image-in-tar-deleted", "ext4-image-copy"} <= hows
    missed = []
    for entry in truth["listed"]:
        row = _row_for(drive, entry)
        ids = {match["id"] for match in row["matches"]}
        if entry.get("must_match", True) and entry["id"] not in ids:
            missed.append((entry["path"], entry["how"]))
        if entry.get("partial"):
            assert row["partial"] is True, entry
        if entry.get("deleted"):
            assert row["deleted"] is True, entry
        if entry.get("extension_mismatch"):
            assert row["extension_mismatch"] is True and row["type"] == "image/png", entry
    assert missed == []


def test_no_false_known_hits(drive):
    allowed: dict[str, set[str]] = {}
    for entry in drive["truth"]["listed"]:
        path = _row_for(drive, entry)["path"]
        allowed.setdefault(path, set()).add(entry["id"])
        if "#frame=" in path:  # the animated file's own row carries its frames' matches
            allowed.setdefault(path.split("#frame=")[0], set()).add(entry["id"])
    for row in drive["rows"]:
        ids = {match["id"] for match in row["matches"]}
        assert ids <= allowed.get(row["path"], set()), row["path"]


def test_every_file_and_member_has_its_three_digests(drive):
    for row in drive["rows"]:
        if row["error"] in (kinds.SYMLINK_LOOP, kinds.SYMLINK_MEMBER, kinds.ENCRYPTED, kinds.TOO_LARGE) or row["frame"] is not None:
            continue
        assert row["md5"] and row["sha1"] and row["sha256"], row["path"]
        if row["member"] == 0:
            data = Path(row["path"]).read_bytes()
            assert (row["md5"], row["sha1"], row["sha256"]) == (
                hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest())
            assert row["size"] == len(data) and row["inode"] and row["device"] and row["atime"] and row["ctime"]
            assert row["noatime"] is not None


def test_members_name_their_parent_and_depth(drive):
    by_full = {row["path"]: row for row in drive["rows"]}
    deep = next(row for row in drive["rows"] if row["path"].endswith("archive.tar.xz!/deep/img_05.png"))
    assert deep["depth"] == 3 and deep["type"] == "image/png"
    chain = [deep]
    while chain[-1]["parent"] is not None:
        chain.append(by_full[chain[-1]["parent"]])
    assert [row["depth"] for row in chain] == [3, 2, 1, 0] and chain[-1]["member"] == 0
    assert len({row["index"] for row in chain}) == 1


def test_every_bomb_and_hostile_archive_ends_as_a_row_with_its_kind(drive):
    for entry in drive["truth"]["hostile"]:
        row = drive["by_path"][entry["path"]]
        assert entry["kind"] in (row["error"], row["warning"]), (entry, row["error"], row["warning"])
    bomb = drive["by_path"]["hostile/bomb.zip"]
    assert bomb["error"] == kinds.ARCHIVE_BOMB and bomb["md5"]
    assert not [row for row in drive["rows"] if row["parent"] == bomb["path"]]  # one row for the whole bomb


def test_videos_and_documents_get_their_type_and_digests(drive):
    video = drive["by_path"]["Users/carol/Videos/clip.mp4"]
    assert video["type"] == "video/mp4" and video["status"] == store.STATUS_MATCHED
    assert drive["by_path"]["Users/bob/Documents/report.pdf"]["type"] == "application/pdf"
    assert drive["by_path"]["Users/alice/Pictures/IMG_0002.jpg"]["extension_mismatch"] is False


def test_the_listed_video_is_found_in_archives_by_md5_and_by_vpdq_after_a_re_encode(drive):
    if not drive["truth"]["tools"].get("ffmpeg"):
        pytest.skip("ffmpeg is not installed: the drive has no videos")
    hows = {entry["how"]: entry for entry in drive["truth"]["listed"] if entry["id"] == "V-clip"}
    assert set(hows) == {"zip-video-copy", "tar-video-reencode-vpdq"}
    copy = drive["by_path"][hows["zip-video-copy"]["path"]]
    assert {(m["id"], m["hash_type"]) for m in copy["matches"]} == {("V-clip", "md5"), ("V-clip", "vpdq")}
    reencoded = drive["by_path"][hows["tar-video-reencode-vpdq"]["path"]]
    assert reencoded["depth"] == 2 and {(m["id"], m["hash_type"]) for m in reencoded["matches"]} == {("V-clip", "vpdq")}
    [segment] = reencoded["matched_segments"]
    assert segment["query_start"] == 0.0 and segment["query_end"] >= 2.0 and segment["query_share"] >= 0.6
    unlisted = drive["by_path"]["Users/carol/Videos/clip.mp4"]
    assert [m["id"] for m in unlisted["matches"]] == ["F-video"] and unlisted["vpdq"] and unlisted["duration"] == 2.0


def test_summary_counts_listed_files_and_members_apart(drive):
    summary = drive["summary"]
    listed = sum(1 for row in drive["rows"] if row["member"] == 0)
    assert summary["files_done"] == summary["files_planned"] == listed
    assert summary["members_done"] == len(drive["rows"]) - listed > 30


def _nested_bomb(levels: int = 3, copies: int = 8, leaf_bytes: int = 6 << 20) -> bytes:
    """A 42.zip-style bomb: zips of zips of zips of a zero-filled file (8**3 leaves of 6 MB: 3 GB unpacked)."""
    import io

    def zipped(entries: list[tuple[str, bytes]]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in entries:
                archive.writestr(name, data)
        return buffer.getvalue()

    data = zipped([("zeros.bin", bytes(leaf_bytes))])
    for level in range(levels):
        data = zipped([(f"l{level}_{i}.zip", data) for i in range(copies)])
    return data


def test_a_nested_bomb_ends_as_one_row_in_seconds(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "42.zip").write_bytes(_nested_bomb())
    started = time.perf_counter()
    scan(tmp_path / "out", folder, workers=0)
    elapsed = time.perf_counter() - started
    [row] = store.read_rows(tmp_path / "out").to_pylist()
    assert row["error"] == kinds.ARCHIVE_BOMB and "times its packed size" in row["error_detail"]
    assert elapsed < 10


def test_reading_evidence_leaves_access_times_unchanged(tmp_path, drive):
    folder = tmp_path / "evidence"
    folder.mkdir()
    past = 1_500_000_000  # 2017: far older than a day, so a relatime mount would update it on read
    sources = ["Users/alice/Downloads/photos.zip", "Users/alice/Pictures/holiday_001.png", "Users/carol/notes.txt",
               "evidence/usb.img"]
    if (drive["folder"] / "evidence" / "usb-acquired.E01").is_file():  # libewf reads it through our O_NOATIME files
        sources.append("evidence/usb-acquired.E01")
    for relative in sources:
        target = folder / Path(relative).name
        target.write_bytes((drive["folder"] / relative).read_bytes())
        os.utime(target, (past, past))
    scan(tmp_path / "out", folder, workers=0)
    rows = store.read_rows(tmp_path / "out").to_pylist()
    for relative in sources:
        info = os.stat(folder / Path(relative).name)
        assert info.st_atime == past, relative
    files = [row for row in rows if row["member"] == 0]
    assert all(row["atime"] == past for row in files)
    if hasattr(os, "O_NOATIME") and all(os.stat(folder / Path(r).name).st_uid == os.geteuid() for r in sources):
        assert all(row["noatime"] is True for row in files)


def test_limits_are_the_scan_options(tmp_path, drive):
    """A lower depth limit leaves deeper containers unopened, with a warning on their row."""
    from saferkit.core.containers import ArchiveLimits

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "backup.tar.gz").write_bytes((drive["folder"] / "backup" / "backup.tar.gz").read_bytes())
    scan(tmp_path / "out", folder, workers=0, archive_limits=ArchiveLimits(max_depth=1))
    rows = {Path(row["path"]).name: row for row in store.read_rows(tmp_path / "out").to_pylist()}
    assert rows["nested.zip"]["warning"] == "too_deep" and rows["nested.zip"]["depth"] == 1
    assert not any("archive.tar.xz" in row["path"] for row in rows.values())


def test_a_disk_image_can_be_the_scan_source_and_a_bad_e01_is_one_row(tmp_path, drive):
    image = drive["folder"] / "evidence" / "laptop.dd"
    scan(tmp_path / "out", image, workers=0)
    rows = store.read_rows(tmp_path / "out").to_pylist()
    assert rows[0]["path"] == str(image) and rows[0]["member"] == 0 and rows[0]["md5"]
    assert [row["path"].split("!/", 1)[1] for row in rows[1:]] == ["p1/Users/SCAN0032.JPG"]
    assert rows[1]["type"] == "image/jpeg" and rows[1]["parent"] == str(image) and rows[1]["pdq"]
    # An E01 is read through libewf; one that is not a valid EWF file is a corrupt row, with its digests.
    fake = tmp_path / "evidence.E01"
    fake.write_bytes(b"EVF\x09\x0d\x0a\xff\x00" + bytes(4096))
    scan(tmp_path / "out2", fake, workers=0)
    [row] = store.read_rows(tmp_path / "out2").to_pylist()
    assert row["error"] == kinds.CORRUPT and "disk image" in row["error_detail"] and row["sha256"]


def test_an_interrupted_drive_scan_resumes_to_the_same_rows(tmp_path, drive):
    """Shards count listed files, whatever they hold: a resumed scan writes the rows a full one does."""
    known = drive["root"] / "synth" / "known.csv"
    options = dict(hashlists=[known], workers=0, shard_size=8, batch_size=4)
    first = scan(tmp_path / "resumed", drive["folder"], max_shards=2, **options)
    assert not first["complete"] and first["shards_done"] == 2
    scan(tmp_path / "resumed", drive["folder"], **options)
    resumed = store.read_rows(tmp_path / "resumed").drop_columns(["atime"]).to_pylist()
    full = store.read_rows(drive["root"] / "out").drop_columns(["atime", "shard"]).to_pylist()
    assert [{k: v for k, v in row.items() if k != "shard"} for row in resumed] == full


def test_frames_stop_at_64_with_a_warning(tmp_path):
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    frames = [Image.new("RGB", (16, 16), (i * 3, 255 - i * 3, (i * 37) % 256)) for i in range(70)]
    frames[0].save(folder / "long.gif", save_all=True, append_images=frames[1:], duration=20)
    scan(tmp_path / "out", folder, workers=0)
    rows = store.read_rows(tmp_path / "out").to_pylist()
    assert [row["frame"] for row in rows[1:]] == list(range(64))
    assert rows[0]["warning"] == "frames_limited: 64 of 70 frames read"


def test_a_picture_named_like_a_disk_image_is_read_as_a_picture(tmp_path, drive):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "photo.img").write_bytes((drive["folder"] / "Users/alice/Pictures/holiday_001.png").read_bytes())
    scan(tmp_path / "out", folder, workers=0)
    [row] = store.read_rows(tmp_path / "out").to_pylist()
    assert row["error"] is None and row["type"] == "image/png" and row["pdq"] and row["extension_mismatch"] is True


def test_a_format_the_server_refuses_gets_digests_not_hashes(tmp_path):
    from PIL import Image

    from saferkit.serving.config import DEFAULT_FORMATS

    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(folder / "favicon.ico")
    scan(tmp_path / "out", folder, workers=0)
    [row] = store.read_rows(tmp_path / "out").to_pylist()
    assert "ICO" not in DEFAULT_FORMATS
    assert row["warning"] == "unsupported_format: ICO" and row["md5"] and row["pdq"] is None
    assert row["status"] == store.STATUS_HASHED


def test_the_report_says_which_near_hits_are_partial_files(drive, tmp_path):
    from saferkit.serving.scan.report import write_report

    html_path = tmp_path / "report.html"
    write_report(drive["root"] / "out", html_path)
    html = html_path.read_text(encoding="utf-8")
    near = html[html.index("1b. Near matches"):]
    for name, partial in (("carved/f0000415.jpg", True), ("Users/alice/Pictures/IMG_0002.jpg", False)):
        row = near[:near.index(f"{drive['folder']}/{name}")].rsplit("<tr>", 1)[1]
        assert bool(drive["by_path"][name]["partial"]) is partial and ("partial file" in row) is partial, row
    partial_hits = [r for r in drive["rows"] if r.get("partial") and r["matches"] and r["matches"][0]["hash_type"] == "pdq"]
    assert near.count("partial file") == len(partial_hits)
    assert near.count("within the wider distance") == sum(1 for r in partial_hits if r["matches"][0]["distance"] > 31) >= 1
