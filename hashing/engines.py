"""Search engines over one block of packed hashes, behind one small interface.

Every engine answers `search(queries, radius) -> (query_rows, rows, distances)`
with every row within `radius` (inclusive) of every query, exactly, and each
(query, row) pair once. The index (`index.py`) picks one per block of rows:

- `MultiIndexEngine` (multi-index hashing, Norouzi et al.): the hash is cut into
  16-bit chunks; by the pigeonhole principle a hash within r bits of the query
  has some chunk within floor(r / chunks) bits of the query's chunk, so only
  the rows in those buckets are checked. Exact, and fast while
  floor(r / chunks) <= 3 (PDQ at 31: one bit per chunk, 17 buckets per chunk).
- `BruteForceEngine`: xor + popcount over every row (numpy), for small blocks,
  wide radii and hash sizes that are not a multiple of 64 bits.
- `FaissFlatEngine`: FAISS `IndexBinaryFlat` range search, kept as the anchor
  the benchmark measures against.
- `ExactEngine`: equality on cryptographic digests (sorted first word).

`benchmarks/bench_match.py` measures them side by side; docs/hashing.md has
the figures behind the choice.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np

from saferkit.hashing.codes import hamming

CHUNK_BITS = 16
MAX_CHUNK_RADIUS = 3  # beyond this, probing costs more than scanning
_BRUTE_BLOCK_WORDS = 1 << 22  # words of xor scratch per brute-force step (32 MB)

Result = tuple[np.ndarray, np.ndarray, np.ndarray]


def _empty() -> Result:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32)


@lru_cache(maxsize=8)
def probe_masks(radius: int) -> np.ndarray:
    """Every 16-bit mask with at most `radius` bits set (the buckets to visit per chunk)."""
    masks = [0]
    for k in range(1, radius + 1):
        for bits in combinations(range(CHUNK_BITS), k):
            masks.append(sum(1 << b for b in bits))
    return np.array(masks, dtype=np.uint16)


class BruteForceEngine:
    """xor + popcount of every query against every row; exact for any radius."""

    name = "brute"

    def __init__(self, codes: np.ndarray) -> None:
        self.codes = codes

    def search(self, queries: np.ndarray, radius: int) -> Result:
        n, words = self.codes.shape
        if n == 0 or len(queries) == 0:
            return _empty()
        step = max(1, _BRUTE_BLOCK_WORDS // max(1, n * words))
        found_q, found_r, found_d = [], [], []
        for start in range(0, len(queries), step):
            block = queries[start : start + step]
            dist = hamming(block[:, None, :], self.codes[None, :, :])
            q, r = np.nonzero(dist <= radius)
            found_q.append(q + start)
            found_r.append(r)
            found_d.append(dist[q, r])
        return np.concatenate(found_q), np.concatenate(found_r), np.concatenate(found_d).astype(np.int32)


class MultiIndexEngine:
    """Multi-index hashing over 16-bit chunks: one sorted row list per chunk."""

    name = "mih"

    def __init__(self, codes: np.ndarray, order: np.ndarray | None = None, offsets: np.ndarray | None = None) -> None:
        self.codes = codes
        if order is None or offsets is None:
            order, offsets = self.build_tables(codes)
        self.order = order
        self.offsets = offsets

    @staticmethod
    def build_tables(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per chunk: rows sorted by chunk value (int32) and bucket start offsets (int32)."""
        chunks = np.ascontiguousarray(codes).view(np.uint16)
        n, m = chunks.shape
        order = np.empty((m, n), dtype=np.int32)
        offsets = np.empty((m, (1 << CHUNK_BITS) + 1), dtype=np.int32)
        for j in range(m):
            column = chunks[:, j]
            order[j] = np.argsort(column, kind="stable")
            counts = np.bincount(column, minlength=1 << CHUNK_BITS)
            offsets[j, 0] = 0
            np.cumsum(counts, out=offsets[j, 1:])
        return order, offsets

    @staticmethod
    def usable(bits: int, radius: int) -> bool:
        """True when the pigeonhole bound keeps probing cheap for this hash size and radius."""
        if bits % 64 or radius < 0:
            return False
        return radius // (bits // CHUNK_BITS) <= MAX_CHUNK_RADIUS

    def search(self, queries: np.ndarray, radius: int) -> Result:
        n = self.codes.shape[0]
        if n == 0 or len(queries) == 0:
            return _empty()
        chunk_q = np.ascontiguousarray(queries).view(np.uint16)
        nq, m = chunk_q.shape
        masks = probe_masks(radius // m)
        per_query = np.arange(nq)
        cand_q, cand_r = [], []
        for j in range(m):
            keys = (chunk_q[:, j : j + 1] ^ masks[None, :]).astype(np.int64)
            starts = self.offsets[j][keys].ravel().astype(np.int64)
            lengths = self.offsets[j][keys + 1].ravel() - starts
            total = int(lengths.sum())
            if total == 0:
                continue
            ends = np.cumsum(lengths)
            positions = np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)
            cand_r.append(self.order[j][positions])
            cand_q.append(np.repeat(per_query, lengths.reshape(nq, -1).sum(axis=1)))
        if not cand_r:
            return _empty()
        qs = np.concatenate(cand_q)
        rows = np.concatenate(cand_r).astype(np.int64)
        dist = hamming(self.codes[rows], queries[qs])
        keep = dist <= radius
        qs, rows, dist = qs[keep], rows[keep], dist[keep]
        pair = qs * n + rows
        pair, first = np.unique(pair, return_index=True)
        return qs[first], rows[first], dist[first]


class FaissFlatEngine:
    """FAISS IndexBinaryFlat range search (exhaustive, SIMD popcount, OpenMP)."""

    name = "faiss"

    def __init__(self, codes: np.ndarray) -> None:
        import faiss

        self.codes = codes
        self.index = faiss.IndexBinaryFlat(codes.shape[1] * 64)
        if len(codes):
            self.index.add(np.ascontiguousarray(codes).view(np.uint8))

    def search(self, queries: np.ndarray, radius: int) -> Result:
        if self.codes.shape[0] == 0 or len(queries) == 0:
            return _empty()
        # FAISS keeps distances strictly below its radius argument.
        lims, dist, rows = self.index.range_search(np.ascontiguousarray(queries).view(np.uint8), radius + 1)
        qs = np.repeat(np.arange(len(queries)), np.diff(lims.astype(np.int64)))
        return qs.astype(np.int64), rows.astype(np.int64), dist.astype(np.int32)


class ExactEngine:
    """Equality lookup for digests: binary search on the first word, then compare all words."""

    name = "exact"

    def __init__(self, codes: np.ndarray, order: np.ndarray | None = None) -> None:
        self.codes = codes
        self.order = np.argsort(codes[:, 0], kind="stable").astype(np.int64) if order is None else order
        self.first = codes[self.order, 0] if len(codes) else np.zeros(0, np.uint64)

    def search(self, queries: np.ndarray, radius: int = 0) -> Result:
        if self.codes.shape[0] == 0 or len(queries) == 0:
            return _empty()
        lo = np.searchsorted(self.first, queries[:, 0], side="left")
        hi = np.searchsorted(self.first, queries[:, 0], side="right")
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return _empty()
        ends = np.cumsum(lengths)
        positions = np.arange(total) + np.repeat(lo - (ends - lengths), lengths)
        qs = np.repeat(np.arange(len(queries)), lengths)
        rows = self.order[positions]
        same = (self.codes[rows] == queries[qs]).all(axis=1)
        return qs[same], rows[same], np.zeros(int(same.sum()), np.int32)
