"""Hash lists: every format round-trips, malformed lines are reported by number, reading streams."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from saferkit.hashing import HashingError, HashRecord, read_hashlist, write_hashlist
from saferkit.hashing.hashlist import _stream_vics_media

PDQ = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"


def _records():
    return [
        HashRecord("pdq", PDQ, "1", "2", "synthetic"),
        HashRecord("md5", MD5, "1", "2", "synthetic"),
        HashRecord("sha1", SHA1, "1", "2", "synthetic"),
        HashRecord("md5", "0" * 32, "7", "1", "synthetic"),
    ]


def _key(records):
    return [(r.hash_type, r.hash, r.id, r.category) for r in records]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_formats_round_trip(tmp_path, suffix):
    path = tmp_path / f"list{suffix}"
    assert write_hashlist(_records(), path) == 4
    back = list(read_hashlist(path))
    assert sorted(_key(back)) == sorted(_key(_records()))  # VICS orders a media entry's hashes its own way


def test_vics_is_the_public_media_model_with_pdq_as_an_extra_field(tmp_path):
    path = tmp_path / "list.json"
    write_hashlist(_records(), path)
    document = json.loads(path.read_text())
    assert "@odata.context" in document
    first, second = document["value"]
    assert first == {"MediaID": 1, "Category": 2, "PDQ": PDQ, "MD5": MD5.upper(), "SHA1": SHA1.upper()}
    assert second["MediaID"] == 7 and second["MD5"] == "0" * 32


def test_text_lists_infer_the_type_from_length_and_number_their_ids(tmp_path):
    path = tmp_path / "hma.txt"
    path.write_text(f"# exported list\n{PDQ}\n\n{MD5}\n{SHA1}\nabc\n")
    reader = read_hashlist(path)
    records = list(reader)
    assert [r.hash_type for r in records] == ["pdq", "md5", "sha1"]
    assert [r.id for r in records] == ["hma.txt:2", "hma.txt:4", "hma.txt:5"]
    assert reader.skipped == 1 and reader.errors[0][0] == 6
    forced = list(read_hashlist(path, hash_type="pdq"))
    assert len(forced) == 1  # only the 64-digit value is a valid PDQ hash


def test_malformed_lines_are_skipped_counted_and_numbered(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "hash_type,hash,id,category,source\n"
        f"pdq,{PDQ},a,1,s\n"
        "pdq,not-hex,b,1,s\n"
        f"md5,{MD5[:-2]},c,1,s\n"
        "photodna,abcd,d,1,s\n"
        "too,few\n"
        f"PDQ,{PDQ.upper()},e,1,s\n"
    )
    reader = read_hashlist(path)
    records = list(reader)
    assert [r.id for r in records] == ["a", "e"] and records[1].hash == PDQ
    assert reader.skipped == 4
    assert [line for line, _ in reader.errors] == [3, 4, 5, 6]
    assert "30 hex digits" in reader.errors[1][1]
    with pytest.raises(HashingError, match="line 3"):
        list(read_hashlist(path, strict=True))


def test_jsonl_reports_bad_json_by_line(tmp_path):
    path = tmp_path / "list.jsonl"
    path.write_text(json.dumps({"hash_type": "pdq", "hash": PDQ, "id": "x", "extra_field": 5}) + "\n{oops\n[1]\n")
    reader = read_hashlist(path)
    records = list(reader)
    assert records[0].extra == {"extra_field": 5}
    assert [line for line, _ in reader.errors] == [2, 3]


def test_vics_streams_across_buffer_boundaries(tmp_path):
    media = [{"MediaID": i, "Category": i % 3, "MD5": "%032X" % i, "MediaSize": 10 + i} for i in range(500)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"@odata.context": "x", "value": media}, indent=2))
    with path.open() as handle:
        items = [item for _, item in _stream_vics_media(handle, path, chunk_size=97)]
    assert items == media
    lines = [line for line, _ in _stream_vics_media(path.open(), path, chunk_size=50)]
    assert lines[0] == 4 and lines == sorted(lines)


def test_truncated_vics_is_reported(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{"value": [{"MediaID": 1, "MD5": "' + MD5 + '"}, {"MediaID": 2, "MD5"')
    reader = read_hashlist(path)
    assert len(list(reader)) == 1 and reader.skipped == 1


def test_reading_a_large_list_does_not_hold_it_in_memory(tmp_path):
    path = tmp_path / "large.csv"
    with path.open("w") as out:
        out.write("hash_type,hash,id,category,source\n")
        for i in range(60_000):
            out.write(f"md5,{i:032x},id-{i},cat,src\n")
    tracemalloc.start()
    count = sum(1 for _ in read_hashlist(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 60_000
    assert peak < 2_000_000  # 60,000 records as Python objects would need well over 20 MB


def test_unknown_extensions_and_formats_are_user_errors(tmp_path):
    path = tmp_path / "list.xyz"
    path.write_text("x")
    with pytest.raises(HashingError, match="--format"):
        read_hashlist(path)
    with pytest.raises(HashingError, match="unknown hash-list format"):
        read_hashlist(path, "xml")
    with pytest.raises(HashingError, match="does not exist"):
        read_hashlist(tmp_path / "missing.csv")
