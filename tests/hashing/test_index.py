"""HashIndex returns exactly what a brute-force scan returns, through adds, deletes and reloads."""

from __future__ import annotations

import numpy as np
import pytest

from saferkit.hashing import HashIndex, HashingError
from saferkit.hashing import index as index_module
from saferkit.hashing.codes import hamming, hex_to_words, words_to_hex


def _random_codes(rng, n, words):
    return rng.integers(0, np.iinfo(np.uint64).max, size=(n, words), dtype=np.uint64, endpoint=True)


def _near_duplicates(rng, codes, n, max_flips):
    picked = codes[rng.integers(0, len(codes), n)].copy()
    bits = codes.shape[1] * 64
    for row in picked:
        for bit in rng.choice(bits, size=int(rng.integers(0, max_flips + 1)), replace=False):
            row[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    return picked


def _brute(codes, ids, alive, queries, threshold):
    out = []
    for query in queries:
        dist = hamming(codes, query[None, :])
        out.append(sorted((ids[i], int(dist[i])) for i in np.nonzero((dist <= threshold) & alive)[0]))
    return out


@pytest.mark.parametrize("engine", ["auto", "mih", "brute", "faiss"])
@pytest.mark.parametrize("words, threshold", [(4, 31), (4, 0), (4, 70), (1, 10), (1, 3)])
def test_search_equals_brute_force_on_random_and_near_duplicate_sets(engine, words, threshold):
    rng = np.random.default_rng(words * 100 + threshold)
    codes = _random_codes(rng, 6000, words)
    hexes = words_to_hex(codes, 16 * words)
    ids = [f"entry-{i}" for i in range(len(codes))]
    index = HashIndex.build("pdq" if words == 4 else "phash", hexes, ids, engine=engine)
    queries = np.concatenate([_near_duplicates(rng, codes, 60, threshold + 8), _random_codes(rng, 20, words)])
    found = [sorted(r) for r in index.search(words_to_hex(queries, 16 * words), threshold)]
    expected = _brute(codes, ids, np.ones(len(codes), bool), queries, threshold)
    assert found == expected
    assert sum(map(len, found)) >= 10  # the near duplicates really are found


def test_adds_and_deletes_are_incremental_and_stay_exact(monkeypatch):
    monkeypatch.setattr(index_module, "SEAL_ROWS", 256)
    rng = np.random.default_rng(5)
    codes = _random_codes(rng, 3000, 4)
    hexes = words_to_hex(codes, 64)
    index = HashIndex("pdq")
    start = 0
    for size in (1, 7, 300, 40, 900, 2, 1000, 750):  # tail, sealing and merging all happen
        index.add(hexes[start : start + size], [f"e{i}" for i in range(start, start + size)])
        start += size
    assert start == len(codes) == len(index)
    removed_ids = [f"e{i}" for i in range(0, 3000, 7)]
    assert index.remove(removed_ids + ["not-there"]) == len(removed_ids)
    alive = np.ones(len(codes), bool)
    alive[::7] = False
    assert len(index) == int(alive.sum())
    queries = _near_duplicates(rng, codes, 80, 35)
    found = [sorted(r) for r in index.search(words_to_hex(queries, 64), 31)]
    assert found == _brute(codes, [f"e{i}" for i in range(len(codes))], alive, queries, 31)
    assert len(index._segments) < 8  # merged, not one segment per add


def test_save_and_memory_mapped_load_give_the_same_answers(tmp_path):
    rng = np.random.default_rng(9)
    codes = _random_codes(rng, 5000, 4)
    index = HashIndex.build("pdq", words_to_hex(codes, 64))
    index.remove([3, 4])
    queries = words_to_hex(_near_duplicates(rng, codes, 40, 30), 64)
    before = index.search(queries, 31)
    path = index.save(tmp_path / "list.skidx")
    loaded = HashIndex.load(path)
    assert isinstance(loaded._segments[0].codes, np.memmap)
    assert loaded.search(queries, 31) == before and len(loaded) == 4998
    loaded.add(words_to_hex(codes[:2], 64))  # new rows go on top of the mapped ones
    assert loaded.remove([5000]) == 1 and len(loaded) == 4999
    index.save(path)  # saving over an existing index replaces it
    assert len(HashIndex.load(path)) == 4998


def test_cryptographic_digests_match_exactly():
    digests = ["%032x" % (i * 7919) for i in range(2000)]
    index = HashIndex.build("md5", digests, [f"m{i}" for i in range(2000)])
    found = index.search([digests[5], digests[1999], "f" * 32], threshold=40)
    assert found == [[("m5", 0)], [("m1999", 0)], []]
    sha1 = HashIndex.build("sha1", ["a" * 40, "a" * 39 + "b"], ["x", "y"])
    assert sha1.search(["a" * 39 + "b"]) == [[("y", 0)]]


def test_bad_queries_and_options_are_user_errors():
    index = HashIndex.build("pdq", ["0" * 64])
    with pytest.raises(HashingError, match="hex digits"):
        index.search(["abc"])
    with pytest.raises(HashingError, match="hexadecimal"):
        index.search(["z" * 64])
    with pytest.raises(HashingError, match="threshold"):
        index.search(["0" * 64], -1)
    with pytest.raises(HashingError, match="engine"):
        HashIndex("pdq", engine="annoy")
    with pytest.raises(HashingError, match="not a saved"):
        HashIndex.load("/nonexistent-index")


def test_packing_round_trips():
    hexes = ["%016x" % (2**64 - 1 - i) for i in range(5)]
    assert words_to_hex(hex_to_words(hexes, 1), 16) == hexes
