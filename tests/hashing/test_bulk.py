"""Bulk hashing: folders walked, bad files counted, the same rows on one or several processes."""

from __future__ import annotations

import csv
import json
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
    assert list(rows[0]) == ["path", "size", "sha256", "pdq", "pdq_quality", "pdq_low_quality", "error", "error_kind"]
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
