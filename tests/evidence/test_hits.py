"""Hits a reviewer can trust: exact and near apart, no weak-hash or flat-picture hits, copies under their picture."""

from __future__ import annotations

import re

from evidence_helpers import scan

from saferkit.hashing import HashMatcher, hash_bytes
from saferkit.hashing.algorithms import LIST_ALGOS, is_weak, low_information_reason
from saferkit.serving.scan import store
from saferkit.serving.scan.report import write_report


def test_weak_hashes_are_off_lists_and_off_matching_by_default(drive, known_list):
    assert not any(is_weak(name) for name in LIST_ALGOS)
    flat = hash_bytes(drive["flat_on_drive"].read_bytes(), ["md5", "pdq", "phash", "dhash", "ahash"])
    assert int(flat["dhash"], 16) == 0  # the defect: an all-zero dHash, shared by every flat picture
    assert low_information_reason(flat)
    matcher = HashMatcher([known_list])
    assert matcher.match(flat) == []
    assert "weak hash(es) (ahash, dhash) not matched" in matcher.lists[0].note()
    weak = HashMatcher([known_list], allow_weak=True).match(flat)
    assert weak == []  # still no hit: a flat picture never gets a near match without an exact one


def test_a_byte_identical_copy_is_an_exact_match_and_a_reencoded_one_near(drive, known_list):
    matcher = HashMatcher([known_list])
    copy = matcher.match(hash_bytes(drive["copies"][0].read_bytes(), ["md5", "pdq"]))
    assert {(m["hash_type"], m["kind"]) for m in copy} == {("md5", "exact"), ("pdq", "near")}
    near = matcher.match(hash_bytes(drive["reencoded"].read_bytes(), ["md5", "pdq"]))
    assert [(m["hash_type"], m["kind"], m["id"]) for m in near] == [("pdq", "near", "101")]


def test_report_sections_have_no_weak_only_hits_and_every_copy_under_its_picture(tmp_path, drive, known_list):
    out = tmp_path / "result"
    scan(out, drive["root"], hashlists=[known_list], algos=["all"])
    rows = {row["path"]: row for row in store.read_rows(out).to_pylist()}
    assert rows[str(drive["flat_on_drive"])]["matches"] == []
    for row in rows.values():
        for match in row["matches"] or []:
            assert not is_weak(match["hash_type"])
    html_path = tmp_path / "report.html"
    triage = write_report(out, html_path)
    html = html_path.read_text(encoding="utf-8")
    exact_part = html[html.index('id="exact"'):html.index('id="near"')]
    near_part = html[html.index('id="near"'):html.index("2. Model ranking")]
    assert str(drive["flat_on_drive"]) not in html[:html.index("2. Model ranking")]
    for weak in ("dhash", "ahash"):
        assert f"<td>{weak}</td>" not in html
    # the listed picture and its two byte-identical copies: one picture, three paths, exact section only
    listed0 = [p for g in triage.exact_hits for p in g["pictures"] if p["sha256"] == rows[str(drive["listed"][0])]["sha256"]]
    assert len(listed0) == 1
    assert sorted(listed0[0]["copies"]) == sorted(str(p) for p in [drive["listed"][0], *drive["copies"]])
    row_html = re.search(r"<tr>.*?" + re.escape(str(drive["copies"][0])) + r".*?</tr>", exact_part, re.S)
    assert row_html and all(str(p) in row_html.group(0) for p in [drive["listed"][0], *drive["copies"]])
    assert str(drive["copies"][0]) not in near_part
    # the re-encoded copy is a near match, clustered apart from the exact ones
    assert str(drive["reencoded"]) in near_part and str(drive["reencoded"]) not in exact_part
    assert sum(g["files"] for g in triage.exact_hits) == 5  # listed0 + 2 copies, listed1, listed2
