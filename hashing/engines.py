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
BUCKETS = 1 << CHUNK_BITS
PACK_ROWS = 1 << 22  # blocks this big store row numbers in 3 bytes (memory over speed)
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


def _row_popcount(diff: np.ndarray) -> np.ndarray:
    """Set bits per row of a (k, words) uint64 array, as uint32.

    For 4-word rows (PDQ) the four per-word counts (each <= 64) are summed with
    one multiply: the top byte of count32 * 0x01010101 is their sum mod 256,
    and 256 (all bits differ) is the only sum that wraps, so it is restored.
    """
    counts = np.bitwise_count(diff)
    if diff.shape[1] != 4:
        return counts.sum(axis=1, dtype=np.uint32)
    packed = np.ascontiguousarray(counts).view("<u4").reshape(-1)
    total = (packed * np.uint32(0x01010101)) >> np.uint32(24)
    total[packed == 0x40404040] = 256
    return total


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
        """Per chunk: rows sorted by chunk value, and bucket start offsets (int32).

        Row numbers are int32; blocks of `PACK_ROWS` rows or more store them in
        3 bytes (shape (chunks, n, 3) uint8) while under 2**24 rows, which keeps
        10 million PDQ hashes with their tables under 1 GB.
        """
        chunks = np.ascontiguousarray(codes).view(np.uint16)
        n, m = chunks.shape
        packed = PACK_ROWS <= n < (1 << 24)
        order = np.empty((m, n, 3), dtype=np.uint8) if packed else np.empty((m, n), dtype=np.int32)
        offsets = np.empty((m, BUCKETS + 1), dtype=np.int32)
        for j in range(m):
            column = chunks[:, j]
            rows = np.argsort(column, kind="stable").astype("<i4")
            order[j] = rows.view(np.uint8).reshape(n, 4)[:, :3] if packed else rows
            counts = np.bincount(column, minlength=BUCKETS)
            offsets[j, 0] = 0
            np.cumsum(counts, out=offsets[j, 1:])
        return order, offsets

    @staticmethod
    def usable(bits: int, radius: int) -> bool:
        """True when the pigeonhole bound keeps probing cheap for this hash size and radius."""
        if bits % 64 or radius < 0:
            return False
        return radius // (bits // CHUNK_BITS) <= MAX_CHUNK_RADIUS

    def _rows(self, positions: np.ndarray) -> np.ndarray:
        """Row numbers at flat positions of the (chunks x n) order table."""
        if self.order.ndim == 2:
            return np.take(self.order.reshape(-1), positions)
        raw = np.take(self.order.reshape(-1, 3), positions, axis=0)
        wide = np.zeros((len(raw), 4), dtype=np.uint8)
        wide[:, :3] = raw
        return wide.view("<i4").reshape(-1)

    def search(self, queries: np.ndarray, radius: int) -> Result:
        n = self.codes.shape[0]
        if n == 0 or len(queries) == 0:
            return _empty()
        queries = np.ascontiguousarray(queries)
        chunk_q = queries.view(np.uint16)
        nq, m = chunk_q.shape
        masks = probe_masks(radius // m)
        # Bucket of every (query, chunk, probe), as flat indexes into the offsets table.
        keys = (chunk_q[:, :, None] ^ masks[None, None, :]).astype(np.int64)
        keys += (np.arange(m, dtype=np.int64) * (BUCKETS + 1))[None, :, None]
        flat_offsets = self.offsets.reshape(-1)
        starts = np.take(flat_offsets, keys).astype(np.int64)
        lengths = (np.take(flat_offsets, keys + 1) - starts).reshape(-1)
        starts += (np.arange(m, dtype=np.int64) * n)[None, :, None]
        total = int(lengths.sum())
        if total == 0:
            return _empty()
        ends = np.cumsum(lengths)
        positions = np.repeat(starts.reshape(-1) - (ends - lengths), lengths)
        positions += np.arange(total, dtype=np.int64)
        rows = self._rows(positions)
        per_query = lengths.reshape(nq, -1).sum(axis=1)
        diff = np.take(self.codes, rows, axis=0)  # np.take gathers rows several times faster than fancy indexing
        diff ^= np.repeat(queries, per_query, axis=0)
        dist = _row_popcount(diff)
        keep = np.flatnonzero(dist <= radius)
        qs = np.repeat(np.arange(nq, dtype=np.int64), per_query)[keep]
        rows, dist = rows[keep].astype(np.int64), dist[keep].astype(np.int32)
        pair, first = np.unique(qs * n + rows, return_index=True)
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
        bounds = np.asarray(lims, dtype=np.int64)  # query i's matches are rows[bounds[i]:bounds[i + 1]]
        qs = np.repeat(np.arange(len(queries)), bounds[1:] - bounds[:-1])
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
