"""Bulk hashing: folders walked, bad files counted, the same rows on one or several processes."""

from __future__ import annotations

import csv
import json
import os
import shutil

import pytest

from saferkit.hashing import HashingError
from saferkit.hashing.bulk import hash_paths, hash_to_file, iter_files


@pytest.fixture
def folder(tmp_path, images):
    root = tmp_path / "seized"
    (root / "nested" / "deeper").mkdir(parents=True)
    for k, image in enumerate(images[:4]):
        shutil.copy(image, (root if k % 2 else root / "nested" / "deeper") / image.name)
    (root / "empty.png").write_bytes(b"")
    (root / "nested" / "notes.txt").write_text("not an image")
    return root


def test_folders_are_walked_and_bad_files_counted(folder, tmp_path):
    out = tmp_path / "hashes.csv"
    summary = hash_to_file([folder], out, ["sha256", "pdq"], workers=1)
    rows = list(csv.DictReader(out.open()))
    assert summary.files == len(rows) == 6 and summary.hashed == 4
    assert dict(summary.errors) == {"empty": 1, "not-image": 1}
    assert [r["path"] for r in rows] == sorted(r["path"] for r in rows)  # deterministic walk order
    assert list(rows[0]) == ["path", "parent", "size", "sha256", "pdq", "pdq_quality", "pdq_low_quality", "partial", "error", "error_kind"]
    assert all(r["sha256"] for r in rows)


def test_parallel_rows_equal_serial_rows(folder):
    serial = list(hash_paths([folder], ["md5", "pdq", "phash"], workers=1))
    parallel = list(hash_paths([folder], ["md5", "pdq", "phash"], workers=2))
    assert serial == parallel


def test_jsonl_output_and_dihedral_column(folder, tmp_path):
    out = tmp_path / "hashes.jsonl"
    hash_to_file([folder], out, ["pdq"], workers=1, dihedral=True)
    rows = [json.loads(line) for line in out.open()]
    good = [r for r in rows if not r["error"]]
    assert len(good) == 4 and all(len(r["pdq_dihedral"]) == 8 for r in good)


def test_a_missing_path_is_a_user_error_before_any_work(tmp_path):
    with pytest.raises(HashingError, match="does not exist"):
        iter_files([tmp_path / "typo"])


def test_a_failed_run_leaves_no_partial_output(folder, tmp_path):
    out = tmp_path / "hashes.csv"

    def stop(row):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        hash_to_file([folder], out, ["md5"], workers=1, on_row=stop)
    assert not out.exists() and not list(tmp_path.glob(".hashes.csv*"))


def test_the_walk_names_links_loops_and_fifos_with_the_scan_kinds(folder, tmp_path):
    from saferkit.core.kinds import ErrorKind
    from saferkit.serving.scan.walk import list_source

    os.symlink(folder / "nested", folder / "linked")  # a folder link elsewhere: walked
    os.symlink("..", folder / "nested" / "up")  # back up the tree: a loop, not followed
    os.symlink(folder / "gone.png", folder / "dangling.png")
    os.mkfifo(folder / "pipe.png")  # never opened (opening it would block)
    rows = {os.path.relpath(r["path"], folder): r for r in hash_paths([folder], ["md5"], workers=1)}
    assert rows["nested/up"]["error_kind"] == rows["linked/up"]["error_kind"] == ErrorKind.SYMLINK_LOOP
    assert rows["dangling.png"]["error_kind"] == ErrorKind.UNREADABLE
    assert rows["pipe.png"]["error_kind"] == ErrorKind.NOT_REGULAR
    assert rows["linked/notes.txt"]["md5"] == rows["nested/notes.txt"]["md5"]
    assert not [path for path in rows if "/up/" in path]
    scanned = {os.path.relpath(item.path, folder): item.walk_error for item in list_source(folder, None)}
    assert set(scanned) == set(rows)  # the scan lists exactly the files hash walks, with the same kinds
    assert {path: kind for path, kind in scanned.items() if kind} == {
        path: rows[path]["error_kind"] for path in ("nested/up", "linked/up", "dangling.png", "pipe.png")}


def test_a_crashed_hash_worker_costs_only_its_batch(tmp_path, monkeypatch):
    from saferkit.core.kinds import ErrorKind
    from saferkit.hashing.bulk import FILES_PER_BATCH

    root = tmp_path / "many"
    root.mkdir()
    for k in range(3 * FILES_PER_BATCH):
        (root / f"note-{k:03d}.txt").write_text(f"case note {k}")
    victim = f"note-{FILES_PER_BATCH + 2:03d}.txt"  # in the second batch
    monkeypatch.setenv("SAFERKIT_SCAN_FAULTS", f"die:{victim}")
    rows = list(hash_paths([root], ["md5"], workers=2))
    assert [os.path.basename(r["path"]) for r in rows] == sorted(p.name for p in root.iterdir())  # walk order kept
    lost = [k for k, r in enumerate(rows) if r["error_kind"] == ErrorKind.WORKER_DIED]
    assert lost == list(range(FILES_PER_BATCH, 2 * FILES_PER_BATCH))
    assert all("retried once" in rows[k]["error"] for k in lost)
    assert all(r["md5"] for k, r in enumerate(rows) if k not in lost)


def test_a_resumed_run_keeps_finished_shards_and_ends_like_a_plain_run(folder, tmp_path, monkeypatch):
    from saferkit.hashing import resume

    monkeypatch.setattr(resume, "SHARD_SIZE", 2)  # six files: three shards
    plain = tmp_path / "plain.csv"
    hash_to_file([folder], plain, ["md5"], workers=1)
    out = tmp_path / "hashes.csv"
    seen = []

    def stop_at_the_fourth_row(row):
        seen.append(row["path"])
        if len(seen) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        hash_to_file([folder], out, ["md5"], workers=1, resume=True, on_row=stop_at_the_fourth_row)
    assert not out.exists() and resume.state_folder(out).is_dir()
    with pytest.raises(HashingError, match="other options"):
        hash_to_file([folder], out, ["sha1"], workers=1, resume=True)
    first = seen[0]
    with open(first, "ab") as handle:  # changed after its shard was kept: the kept row must be used
        handle.write(b"more")
    again: list = []
    summary = hash_to_file([folder], out, ["md5"], workers=1, resume=True, on_row=again.append)
    assert len(again) == summary.files == 6
    assert out.read_text() == plain.read_text()
    assert not resume.state_folder(out).exists()
