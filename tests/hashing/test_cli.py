"""The commands as a user runs them: real subprocesses, real files, one-line errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest


def run(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "saferkit", *map(str, args)], capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def folder(tmp_path, images):
    root = tmp_path / "files"
    root.mkdir()
    for image in images[:3]:
        (root / image.name).write_bytes(image.read_bytes())
    (root / "broken.jpg").write_bytes(images[0].read_bytes()[:500])
    return root


def test_hash_writes_csv_with_every_column_and_counts_errors(folder, tmp_path):
    out = tmp_path / "hashes.csv"
    result = run("hash", folder, "--algo", "pdq,sha256", "-a", "phash", "--out", out, "--workers", "1")
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 4
    assert list(rows[0]) == ["path", "parent", "size", "pdq", "pdq_quality", "pdq_low_quality", "sha256", "phash", "partial", "error", "error_kind"]
    assert sum(1 for r in rows if r["error"]) == 1
    assert "corrupt" in result.stderr and "files" in result.stderr


def test_hash_without_out_prints_csv_and_jsonl_output_works(folder, tmp_path):
    printed = run("hash", folder, "-a", "md5", "--workers", "1").stdout.splitlines()
    assert printed[0].startswith("path,parent,size,md5") and len(printed) == 5
    out = tmp_path / "hashes.jsonl"
    run("hash", folder, "-a", "pdq", "--dihedral", "--out", out)
    rows = [json.loads(line) for line in out.open()]
    assert sum(1 for r in rows if r["pdq_dihedral"]) == 3


def test_match_finds_listed_files_and_writes_results(folder, tmp_path, images):
    hashes = tmp_path / "hashes.csv"
    run("hash", images[0], "-a", "pdq,md5", "--out", hashes)
    row = next(csv.DictReader(hashes.open()))
    known = tmp_path / "known.csv"
    known.write_text(f"hash_type,hash,id,category,source\npdq,{row['pdq']},K-1,cat-a,test\nmd5,{row['md5']},K-2,cat-a,test\nnot,valid\n")
    out = tmp_path / "matches.csv"
    result = run("match", folder, "--list", known, "--threshold", "31", "--out", out)
    matches = [r for r in csv.DictReader(out.open()) if r["id"]]
    assert {(r["id"], r["distance"]) for r in matches} == {("K-1", "0"), ("K-2", "0")}
    assert "1 malformed line(s) skipped" in result.stderr
    assert "1 of 4 file(s) matched" in result.stderr
    prepared = tmp_path / "prepared"
    run("hashlist", "prepare", known, "--out", prepared)
    again = tmp_path / "again.csv"
    run("match", folder, "--list", prepared, "--out", again)
    assert [r for r in csv.DictReader(again.open()) if r["id"]] == matches
    strict = run("match", folder, "--list", known, "--strict", check=False)
    assert strict.returncode == 2 and "line 4" in strict.stderr and "Traceback" not in strict.stderr


def test_hashlist_build_from_hash_output(folder, tmp_path):
    hashes = tmp_path / "hashes.jsonl"
    run("hash", folder, "-a", "pdq,md5", "--out", hashes, "--workers", "1")
    target = tmp_path / "list.csv"
    result = run("hashlist", "build", hashes, target, "-a", "pdq", "--category", "cat-b", "--source", "unit")
    rows = list(csv.DictReader(target.open()))
    assert "wrote 3" in result.stderr and len(rows) == 3  # the broken file is left out
    assert {r["hash_type"] for r in rows} == {"pdq"} and {r["category"] for r in rows} == {"cat-b"}


def test_hashlist_convert_and_info(tmp_path):
    source = tmp_path / "list.txt"
    source.write_text("0" * 64 + "\n" + "1" * 64 + "\nbad\n")
    target = tmp_path / "list.jsonl"
    result = run("hashlist", "convert", source, target)
    assert "wrote 2" in result.stderr and "skipped 1" in result.stderr and "line 3" in result.stderr
    assert [json.loads(line)["hash_type"] for line in target.open()] == ["pdq", "pdq"]
    info = run("hashlist", "info", target)
    assert "pdq" in info.stdout and "2" in info.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["hash", "/no/such/folder"], "does not exist"),
        (["hash", ".", "--algo", "md6"], "unknown hash algorithm"),
        (["match", ".", "--list", "/no/such/list.csv"], "does not exist"),
        (["hashlist", "info", "list.unknown"], "does not exist"),
        (["hashing", "bench", "--images", "/no/such/dir", "--count", "2"], "not a folder"),
    ],
)
def test_user_mistakes_are_one_line_errors(args, message):
    result = run(*args, check=False)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["hash", "match"])
def test_resume_without_out_is_refused_before_any_work(command, folder, tmp_path):
    lists = ["--list", tmp_path / "absent.csv"] if command == "match" else []
    result = run(command, folder, *lists, "--resume", check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: resuming needs an output file; pass --out."
    assert result.stdout == "" and not list(tmp_path.glob("*.partial"))
