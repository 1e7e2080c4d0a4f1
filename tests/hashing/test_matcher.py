"""HashMatcher: matches with list metadata, thresholds, dihedral variants, several lists."""

from __future__ import annotations

import pytest
from PIL import Image

from saferkit.hashing import HashingError, HashMatcher, HashRecord, hash_file, write_hashlist
from saferkit.hashing.hashlist import records_from_rows


@pytest.fixture
def listed(tmp_path, images):
    rows = [hash_file(path, "all") for path in images[:3]]
    path = tmp_path / "known.csv"
    write_hashlist(records_from_rows(rows, ["pdq", "md5", "phash"], category="test-category", source="unit-test"), path)
    return path, rows


def test_identical_files_match_every_hash_with_metadata(listed, images):
    path, rows = listed
    matches = HashMatcher([path]).match(hash_file(images[0], "all"))
    assert {m["hash_type"] for m in matches} == {"pdq", "md5", "phash"}
    for m in matches:
        assert m == {"list": "known.csv", "id": str(images[0]), "hash_type": m["hash_type"], "distance": 0,
                     "category": "test-category", "source": "unit-test", "variant": "original",
                     "kind": "exact" if m["hash_type"] == "md5" else "near"}


def test_unrelated_files_do_not_match(listed, images):
    path, _ = listed
    assert HashMatcher([path]).match(hash_file(images[5], "all")) == []


def test_edited_copies_match_within_the_threshold_only(listed, images, tmp_path):
    path, _ = listed
    edited = tmp_path / "edited.jpg"
    Image.open(images[1]).resize((200, 150)).save(edited, quality=40)
    query = hash_file(edited, "all")
    matcher = HashMatcher([path])
    found = matcher.match(query)
    assert {m["hash_type"] for m in found} >= {"pdq"} and "md5" not in {m["hash_type"] for m in found}
    distance = next(m["distance"] for m in found if m["hash_type"] == "pdq")
    assert distance > 0
    assert all(m["hash_type"] != "pdq" for m in matcher.match(query, threshold=distance - 1))
    assert any(m["hash_type"] == "pdq" for m in matcher.match(query, threshold={"pdq": distance}))


def test_dihedral_matching_finds_rotations_and_names_the_variant(listed, images, tmp_path):
    path, _ = listed
    rotated = tmp_path / "rotated.png"
    Image.open(images[2]).transpose(Image.Transpose.ROTATE_90).save(rotated)
    matcher = HashMatcher([path])
    plain = hash_file(rotated, ["pdq"], dihedral=True)
    assert not [m for m in matcher.match(plain) if m["hash_type"] == "pdq"]
    found = [m for m in matcher.match(plain, dihedral=True) if m["hash_type"] == "pdq"]
    assert len(found) == 1 and found[0]["variant"] == "rotate270" and found[0]["distance"] <= 10
    with pytest.raises(HashingError, match="dihedral"):
        matcher.match(hash_file(rotated, ["pdq"]), dihedral=True)


def test_several_lists_and_batched_matching(tmp_path, listed, images):
    path, rows = listed
    second = tmp_path / "other.jsonl"
    write_hashlist([HashRecord("sha256", rows[0]["sha256"], "s-1", "9", "other")], second)
    matcher = HashMatcher([path, second])
    assert len(matcher) == 10 and matcher.hash_types == {"pdq", "md5", "phash", "sha256"}
    queries = [hash_file(p, "all") for p in images[:4]]
    batched = matcher.match_many(queries)
    assert batched == [matcher.match(q) for q in queries]
    assert {m["list"] for m in batched[0]} == {"known.csv", "other.jsonl"}
    assert batched[3] == []


def test_malformed_list_lines_are_counted_or_fatal_with_strict(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("0" * 64 + "\nnot-a-hash\n")
    matcher = HashMatcher(path)
    assert matcher.lists[0].skipped == 1 and matcher.lists[0].rows == {"pdq": 1}
    with pytest.raises(HashingError, match="line 2"):
        HashMatcher(path, strict=True)


def test_prepared_lists_reload_memory_mapped_with_the_same_answers(listed, images, tmp_path):
    path, _ = listed
    matcher = HashMatcher([path])
    folder = matcher.save(tmp_path / "prepared")
    reopened = HashMatcher([folder])
    queries = [hash_file(p, "all") for p in images[:4]]
    assert reopened.match_many(queries) == matcher.match_many(queries)
    assert reopened.hash_types == matcher.hash_types and len(reopened) == len(matcher)
    matcher.save(folder)  # replacing an earlier prepared folder is fine
    with pytest.raises(HashingError, match="not a prepared list folder"):
        matcher.save(tmp_path)


def test_a_truncated_copy_is_matched_within_the_wider_partial_distance_only(tmp_path):
    """A baseline JPEG cut to 65% of its bytes decodes grey below its last rows; its PDQ is matched within 63, not 31."""
    from saferkit.datasets.drive import _scene_source, encode
    from saferkit.hashing import hash_bytes
    from saferkit.hashing.decode import DecodePolicy

    scene = _scene_source(256, 0)(34).convert("RGB")  # 50 bits from its whole picture once cut to 65%
    whole = encode(scene, "PNG")
    listed = tmp_path / "known.csv"
    write_hashlist(records_from_rows([{**hash_bytes(whole, ["pdq"]), "path": "scene.png"}], ["pdq"]), listed)
    jpeg = encode(scene, "JPEG", quality=90)
    carved = hash_bytes(jpeg[: int(len(jpeg) * 0.65)], ["pdq"], policy=DecodePolicy(partial=True))
    assert carved["partial"] is True
    matcher = HashMatcher([listed])
    found = matcher.match(carved)
    assert [m["hash_type"] for m in found] == ["pdq"] and 31 < found[0]["distance"] <= 63
    as_whole = {key: value for key, value in carved.items() if key != "partial"}
    assert matcher.match(as_whole) == []  # the same hash, not marked partial: no match at the default 31
    assert matcher.match(carved, threshold=found[0]["distance"] // 2 - 1) == []  # the wider distance follows the threshold
