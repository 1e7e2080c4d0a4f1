"""Hash lists survive every conversion, or the conversion refuses; loaders report what they skipped."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from evidence_helpers import run_cli, scan

from saferkit.hashing import HashMatcher
from saferkit.hashing.algorithms import ALL_ALGOS, CRYPTO_HEX_LENGTH
from saferkit.hashing.errors import HashingError
from saferkit.serving.scan import store
from saferkit.hashing.hashlist import FORMATS, VICS_HASH_FIELDS, HashRecord, only_types, read_hashlist, write_hashlist

SUFFIX = {"csv": ".csv", "jsonl": ".jsonl", "text": ".txt", "vics": ".json"}
CARRIES_IDS = {"csv", "jsonl", "vics"}


def _value(hash_type: str, i: int) -> str:
    digest = hashlib.sha512(f"{hash_type}-{i}".encode()).hexdigest() * 2
    return digest[: CRYPTO_HEX_LENGTH.get(hash_type) or (64 if hash_type == "pdq" else 16)]


def _records(types) -> list[HashRecord]:
    return [HashRecord(t, _value(t, i), str(10 + i), str(1 + i % 3), "") for t in types for i in range(3)]


def _key(records, fmt):
    if fmt in CARRIES_IDS:
        return sorted((r.hash_type, r.hash, r.id, r.category) for r in records)
    return sorted((r.hash_type, r.hash) for r in records)


def _carried(fmt: str) -> tuple[str, ...]:
    return tuple(VICS_HASH_FIELDS.values()) if fmt == "vics" else ALL_ALGOS


@pytest.mark.parametrize("first,second", list(itertools.permutations(FORMATS, 2)))
def test_every_format_to_every_other_and_back_is_lossless_per_hash_type(tmp_path, first, second):
    for hash_type in ALL_ALGOS:
        if hash_type not in _carried(first) or hash_type not in _carried(second):
            continue
        records = _records([hash_type])
        a = tmp_path / f"{hash_type}-a{SUFFIX[first]}"
        b = tmp_path / f"{hash_type}-b{SUFFIX[second]}"
        c = tmp_path / f"{hash_type}-c{SUFFIX[first]}"
        write_hashlist(records, a)
        write_hashlist(read_hashlist(a), b)
        write_hashlist(read_hashlist(b), c)
        lossy = first if first not in CARRIES_IDS else second
        assert _key(read_hashlist(c), lossy) == _key(records, lossy), (first, second, hash_type)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_csv_and_jsonl_carry_every_hash_type_together(tmp_path, fmt):
    records = _records(ALL_ALGOS)
    path = tmp_path / f"all{SUFFIX[fmt]}"
    write_hashlist(records, path)
    assert _key(read_hashlist(path), fmt) == _key(records, fmt)


def test_a_mixed_list_to_text_refuses_instead_of_mislabelling(tmp_path, capsys):
    """The defect: md5, sha256 and pdq written as text read back as PDQ (the SHA-256s) and malformed lines."""
    source = tmp_path / "known.csv"
    write_hashlist(_records(["md5", "sha256", "pdq"]), source)
    code, output = run_cli(capsys, "hashlist", "convert", source, tmp_path / "known-hma.txt")
    assert code == 2 and "one hash type" in output and "--only" in output and "Traceback" not in output
    assert not (tmp_path / "known-hma.txt").exists()
    for hash_type in ("md5", "sha256", "pdq"):
        target = tmp_path / f"known-{hash_type}.txt"
        code, output = run_cli(capsys, "hashlist", "convert", source, target, "--only", hash_type)
        assert code == 0, output
        back = read_hashlist(target)
        assert sorted((r.hash_type, r.hash) for r in back) == _key(_records([hash_type]), "text")
        assert back.skipped == 0


@pytest.mark.parametrize("hash_type", ["phash", "dhash", "ahash", "whash"])
def test_vics_refuses_hash_types_it_has_no_field_for(tmp_path, hash_type):
    with pytest.raises(HashingError, match=f"VICS has no field for {hash_type}"):
        write_hashlist(_records(["md5", hash_type]), tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()
    assert write_hashlist(only_types(_records(["md5", hash_type]), ["md5"]), tmp_path / "out.json") == 3


def test_skipped_lines_are_reported_by_match_and_in_the_scan_manifest(tmp_path, drive, capsys):
    path = tmp_path / "dirty.csv"
    path.write_text("hash_type,hash,id,category,source\n"
                    f"md5,{_value('md5', 1)},1,1,x\nmd5,nothex,2,1,x\npdq,abc,3,1,x\n", encoding="utf-8")
    loaded = HashMatcher([path]).lists[0]
    assert loaded.skipped == 2 and "2 malformed line(s) skipped (first at line 3" in loaded.note()
    code, output = run_cli(capsys, "match", drive["listed"][0], "--list", path)
    assert code == 0 and "2 malformed line(s) skipped" in output
    out = tmp_path / "result"
    scan(out, drive["root"], hashlists=[path])
    described = store.read_json(out / store.MANIFEST_NAME)["settings"]["hashlists"][0]
    assert described["skipped"] == 2 and described["rows"] == {"md5": 1}
    assert described["errors"][0]["line"] == 3
