"""Exports re-imported by the kit (VICS nested and flat, CSV) and validated by case-utils (CASE/UCO)."""

from __future__ import annotations

import csv
import json

import pytest
from evidence_helpers import run_cli, scan

from saferkit.hashing import HashMatcher, hash_bytes
from saferkit.hashing.hashlist import read_hashlist
from saferkit.serving.scan import store


@pytest.fixture
def result(tmp_path, drive, known_list):
    out = tmp_path / "result"
    scan(out, drive["root"], hashlists=[known_list], case="OP-7", exhibit="EX-1", examiner="A. Examiner")
    return out


def _hashed_rows(result):
    return [r for r in store.read_rows(result).to_pylist() if r["md5"]]


@pytest.mark.parametrize("flat", [False, True])
def test_vics_export_has_the_media_model_types_and_reads_back_into_the_kit(result, tmp_path, capsys, drive, flat):
    target = tmp_path / ("flat.json" if flat else "nested.json")
    code, output = run_cli(capsys, "scan", "export", result, "--to", "vics", "--out", target, *(["--flat"] if flat else []))
    assert code == 0, output
    document = json.loads(target.read_text())
    media = document["value"] if flat else document["value"][0]["Media"]
    if not flat:
        assert document["@odata.context"].endswith("#Cases") and document["value"][0]["CaseNumber"] == "OP-7"
    rows = _hashed_rows(result)
    assert len(media) == len(rows)
    for entry in media:
        assert type(entry["MediaID"]) is int and type(entry["Category"]) is int and type(entry["MediaSize"]) is int
        assert type(entry["IsPrecategorized"]) is bool and entry["MD5"] == entry["MD5"].upper() and len(entry["SHA1"]) == 40
        assert not entry["RelativeFilePath"].startswith("/")
    copy = next(m for m in media if m["RelativeFilePath"] == "b/copy-of-listed0.png")
    assert copy["Category"] == 1 and copy["IsPrecategorized"] is True
    flat_one = next(m for m in media if m["RelativeFilePath"] == "d/flat-unrelated.png")
    assert flat_one["Category"] == 0 and flat_one["IsPrecategorized"] is False
    records = list(read_hashlist(target))  # the kit's own VICS importer, nested or flat
    assert {r.hash for r in records if r.hash_type == "md5"} == {r["md5"] for r in rows}
    assert {r.hash for r in records if r.hash_type == "pdq"} == {r["pdq"] for r in rows if r["pdq"]}
    matched = HashMatcher([target]).match(hash_bytes(drive["unlisted"][0].read_bytes(), ["md5", "pdq"]))
    assert {m["kind"] for m in matched} >= {"exact"}


def test_csv_export_has_the_ipeds_and_griffeyes_hash_columns(result, tmp_path, capsys):
    target = tmp_path / "hashes.csv"
    code, output = run_cli(capsys, "scan", "export", result, "--to", "csv", "--out", target)
    assert code == 0, output
    with open(target, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:3] == ["MD5", "SHA1", "SHA256"]
    assert len(rows) == len(_hashed_rows(result))
    by_path = {r["RelativeFilePath"]: r for r in rows}
    assert by_path["b/copy-of-listed0.png"]["status"] == "pedo" and by_path["b/copy-of-listed0.png"]["Category"] == "1"
    assert by_path["b/listed1-reencoded.jpg"]["status"] == "review" and by_path["b/listed1-reencoded.jpg"]["Category"] == "0"
    assert by_path["e/other0.png"]["status"] == ""
    back = list(read_hashlist(target))  # the kit reads the wide layout back: one record per hash column
    assert {r.hash for r in back if r.hash_type == "sha256"} == {r["sha256"] for r in _hashed_rows(result)}
    assert {r.category for r in back if r.hash_type == "md5" and r.hash == by_path["b/copy-of-listed0.png"]["MD5"].lower()} == {"1"}


def test_case_export_is_valid_case_uco(result, tmp_path, capsys):
    from case_utils.case_validate import validate

    target = tmp_path / "provenance.jsonld"
    code, output = run_cli(capsys, "scan", "export", result, "--to", "case", "--out", target)
    assert code == 0, output
    graph = json.loads(target.read_text())["@graph"]
    types = {node["@type"] for node in graph}
    assert {"uco-tool:Tool", "case-investigation:InvestigativeAction", "uco-observable:File", "uco-identity:Person"} <= types
    action = next(n for n in graph if n["@type"] == "case-investigation:InvestigativeAction")
    assert len(action["uco-action:object"]) == len(_hashed_rows(result)) and action["uco-action:result"]
    validation = validate(str(target))
    assert validation.conforms, validation.text
