"""PDQ hashes agree with Meta's reference implementation on its published test images."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from saferkit.hashing import DIHEDRAL_VARIANTS, HashIndex, hash_file
from saferkit.hashing.codes import hamming, hex_to_words

BUNDLED_VECTORS = Path(__file__).resolve().parent / "fixtures" / "pdq-mini"  # see its README

REFERENCE_FILES = ("expected-reference.csv", "expected-bridge-mods.csv")


def _distance(a: str, b: str) -> int:
    return int(hamming(hex_to_words([a], 4), hex_to_words([b], 4))[0])


def _expected(root):
    for name in REFERENCE_FILES:
        with open(root / name, newline="") as handle:
            yield from csv.DictReader(handle)


def test_every_quality_image_is_within_10_bits_of_the_reference(pdq_vectors):
    checked = 0
    for row in _expected(pdq_vectors):
        result = hash_file(pdq_vectors / row["path"], ["pdq"])
        assert result["error"] is None, (row["path"], result["error"])
        if result["pdq_quality"] >= 80:
            assert _distance(result["pdq"], row["pdq_hex"]) <= 10, row["path"]
            checked += 1
    assert checked >= 25  # the vectors hold 31 images, nearly all of high quality


def test_exif_rotated_photos_hash_in_raw_pixel_order_by_default(pdq_vectors):
    for row in _expected(pdq_vectors):
        if "exif-rotn" not in row["path"] or row["path"].endswith("-1.jpg"):
            continue
        raw = hash_file(pdq_vectors / row["path"], ["pdq"])
        from saferkit.hashing.decode import DecodePolicy

        upright = hash_file(pdq_vectors / row["path"], ["pdq"], policy=DecodePolicy(exif_transpose=True))
        assert _distance(raw["pdq"], row["pdq_hex"]) <= 10
        assert _distance(upright["pdq"], row["pdq_hex"]) > 31  # opting in really changes the pixels hashed


def test_dihedral_variants_of_the_original_match_the_rotated_files(pdq_vectors):
    rows = {r["path"]: r["pdq_hex"] for r in _expected(pdq_vectors) if "/dih/" in r["path"]}
    original = hash_file(pdq_vectors / "reg-test-input/dih/bridge-1-original.jpg", ["pdq"], dihedral=True)
    files = sorted(rows)  # bridge-1-original ... bridge-8-flip-minus-1, the reference's variant order
    assert len(original["pdq_dihedral"]) == len(DIHEDRAL_VARIANTS) == len(files)
    for variant_hash, path in zip(original["pdq_dihedral"], files):
        assert _distance(variant_hash, rows[path]) <= 10, path


def test_bundled_subset_is_within_10_bits_of_the_reference():
    """Runs on every clone, with or without the shared full set."""
    checked = 0
    with open(BUNDLED_VECTORS / "expected-bridge-mods.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            result = hash_file(BUNDLED_VECTORS / row["path"], ["pdq"])
            assert result["error"] is None, (row["path"], result["error"])
            assert result["pdq_quality"] >= 80, row["path"]
            assert _distance(result["pdq"], row["pdq_hex"]) <= 10, row["path"]
            checked += 1
    assert checked == 4


@pytest.mark.parametrize("bundled", [True, False], ids=["bundled", "full-set"])
def test_reference_needles_all_find_their_haystack_entry(bundled, request):
    root = BUNDLED_VECTORS if bundled else request.getfixturevalue("pdq_vectors")
    read = lambda name: [line.strip() for line in open(root / "reg-test-input" / name) if line.strip()]  # noqa: E731
    haystack, needles = read("haystack.txt"), read("needles.txt")
    index = HashIndex.build("pdq", haystack)
    results = index.search(needles, 31)
    assert all(results)
    codes, queries = hex_to_words(haystack, 4), hex_to_words(needles, 4)
    for q, found in enumerate(results):
        distances = hamming(codes, queries[q][None, :])
        assert sorted(found) == sorted((int(i), int(distances[i])) for i in (distances <= 31).nonzero()[0])
