"""`HashIndex`: exact Hamming range search (or exact digest lookup) over packed hashes.

Rows live in segments (codes, ids, a live mask, the engine's tables). Adding
rows fills a small unindexed tail that is scanned by brute force; a full tail
is sealed into an indexed segment, and segments of similar size are merged
(log-structured, so adding never rebuilds the whole index). Removing rows only
clears their live bit. `save` writes one folder of `.npy` files plus
`index.json`; `load` memory-maps them, so a large list opens at once and pages
in on demand.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal, Sequence

import numpy as np

from saferkit.hashing.algorithms import CRYPTO_HEX_LENGTH, DEFAULT_THRESHOLDS, PDQ_BITS, canonical_name, is_crypto
from saferkit.hashing.codes import hex_to_words, words_for_hex
from saferkit.hashing.engines import BruteForceEngine, ExactEngine, FaissFlatEngine, MultiIndexEngine
from saferkit.hashing.errors import HashingError
from saferkit.core.atomic import staged_folder

ENGINES = ("auto", "mih", "brute", "faiss")
SEAL_ROWS = 4096  # tail rows scanned by brute force before they are indexed
QUERY_BLOCK = 128  # queries searched together (bounds scratch memory)
SEARCH_THREADS = os.cpu_count() or 1
FORMAT_VERSION = 1


@dataclass
class _Segment:
    codes: np.ndarray  # (n, words) uint64
    ids: np.ndarray  # (n,) int64 or bytes (S)
    alive: np.ndarray  # (n,) bool
    tables: dict = field(default_factory=dict)  # engine tables (order/offsets)
    _engines: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.codes.shape[0])


def default_hex_length(hash_type: str) -> int:
    """Hex digits of a hash type's usual form (PDQ 64, 64-bit perceptual 16, digests their own)."""
    if hash_type in CRYPTO_HEX_LENGTH:
        return CRYPTO_HEX_LENGTH[hash_type]
    if hash_type == "pdq":
        return PDQ_BITS // 4
    return 16


class HashIndex:
    """Every stored hash within a Hamming threshold of each query, identical to a full scan."""

    def __init__(self, hash_type: str, hex_length: int | None = None, engine: str = "auto", id_kind: str = "str") -> None:
        self.hash_type = canonical_name(hash_type)
        if engine not in ENGINES:
            raise HashingError(f"unknown index engine {engine!r}; choose from {', '.join(ENGINES)}.")
        if id_kind not in ("str", "int"):
            raise HashingError("id_kind must be 'str' or 'int'.")
        self.hex_length = hex_length or default_hex_length(self.hash_type)
        self.words = words_for_hex(self.hex_length)
        self.bits = self.hex_length * 4
        self.exact = is_crypto(self.hash_type)
        self.engine = engine
        self.id_kind = id_kind
        self._segments: list[_Segment] = []
        self._tail_codes: list[np.ndarray] = []
        self._tail_ids: list[np.ndarray] = []
        self._next_int_id = 0

    # ---- building -------------------------------------------------------
    @classmethod
    def build(cls, hash_type: str, hashes_hex: Sequence[str], ids: Sequence | None = None, engine: str = "auto") -> "HashIndex":
        """A new index over `hashes_hex`; `ids` default to row numbers 0..n-1."""
        hex_length = max((len(h) for h in hashes_hex), default=None) if hashes_hex is not None else None
        index = cls(hash_type, hex_length=hex_length, engine=engine, id_kind="int" if ids is None else "str")
        index.add(hashes_hex, ids)
        return index

    def default_threshold(self) -> int:
        """0 for digests, the reference default (PDQ 31) for perceptual hashes."""
        return 0 if self.exact else DEFAULT_THRESHOLDS.get(self.hash_type, 10)

    def add(self, hashes_hex: Sequence[str], ids: Sequence | None = None) -> None:
        """Append hashes (hex); `ids` are strings, or None for consecutive integers."""
        self.add_words(self.pack(hashes_hex), ids)

    def pack(self, hashes_hex: Sequence[str]) -> np.ndarray:
        """Hex hashes -> packed words, checking each has this index's length."""
        if set(map(len, hashes_hex)) - {self.hex_length}:
            hashes_hex = [h.strip() for h in hashes_hex]
        bad = next((h for h in hashes_hex if len(h) != self.hex_length), None)
        if bad is not None:
            raise HashingError(
                f"{self.hash_type} hash {bad[:80]!r} has {len(bad)} hex digits; this index holds {self.hex_length}-digit hashes."
            )
        return hex_to_words(hashes_hex, self.words)

    def add_words(self, codes: np.ndarray, ids: Sequence | np.ndarray | None = None) -> None:
        """Append packed hashes (see `codes.hex_to_words`) with their ids."""
        codes = np.ascontiguousarray(codes, dtype=np.uint64).reshape(-1, self.words)
        n = codes.shape[0]
        if n == 0:
            return
        id_array = self._id_array(ids, n)
        if n >= SEAL_ROWS:
            self._seal(codes, id_array)
            return
        self._tail_codes.append(codes)
        self._tail_ids.append(id_array)
        if sum(len(c) for c in self._tail_codes) >= SEAL_ROWS:
            self._flush_tail()

    def _id_array(self, ids: Sequence | np.ndarray | None, n: int) -> np.ndarray:
        if ids is None:
            if self.id_kind != "int":
                raise HashingError("this index holds string ids; give an id for every hash added.")
            out = np.arange(self._next_int_id, self._next_int_id + n, dtype=np.int64)
            self._next_int_id += n
            return out
        if len(ids) != n:
            raise HashingError(f"{n} hashes but {len(ids)} ids: give one id per hash.")
        if self.id_kind == "int":
            out = np.asarray(ids, dtype=np.int64)
            self._next_int_id = max(self._next_int_id, int(out.max()) + 1)
            return out
        if isinstance(ids, np.ndarray) and ids.dtype.kind == "S":
            return ids
        return np.array([str(i).encode("utf-8") for i in ids], dtype=np.bytes_)

    def _flush_tail(self, force: bool = False) -> None:
        """Seal the tail once it is full (or always with `force`, before deletes and saves)."""
        if not self._tail_codes:
            return
        if not force and sum(len(c) for c in self._tail_codes) < SEAL_ROWS:
            return
        codes = np.concatenate(self._tail_codes)
        ids = _concat_ids(self._tail_ids)
        self._tail_codes, self._tail_ids = [], []
        self._seal(codes, ids)

    def _seal(self, codes: np.ndarray, ids: np.ndarray) -> None:
        segment = _Segment(codes=codes, ids=ids, alive=np.ones(len(codes), dtype=bool))
        self._index_segment(segment)
        self._segments.append(segment)
        while len(self._segments) >= 2 and len(self._segments[-2]) <= 2 * len(self._segments[-1]):
            right = self._segments.pop()
            left = self._segments.pop()
            keep_l, keep_r = np.asarray(left.alive), np.asarray(right.alive)
            merged = _Segment(
                codes=np.concatenate([left.codes[keep_l], right.codes[keep_r]]),
                ids=_concat_ids([left.ids[keep_l], right.ids[keep_r]]),
                alive=np.ones(int(keep_l.sum() + keep_r.sum()), dtype=bool),
            )
            self._index_segment(merged)
            self._segments.append(merged)

    def _index_segment(self, segment: _Segment) -> None:
        if self.exact:
            segment.tables["order"] = np.argsort(segment.codes[:, 0], kind="stable").astype(np.int64)
        elif self.engine in ("auto", "mih") and self.bits % 64 == 0 and len(segment) >= SEAL_ROWS:
            order, offsets = MultiIndexEngine.build_tables(segment.codes)
            segment.tables["order"], segment.tables["offsets"] = order, offsets
        segment._engines.clear()

    def remove(self, ids: Iterable) -> int:
        """Mark every row with one of `ids` as deleted; returns how many rows were removed."""
        self._flush_tail(force=True)
        wanted = list(ids)
        if not wanted:
            return 0
        if self.id_kind == "int":
            target = np.asarray(wanted, dtype=np.int64)
        else:
            target = np.array([str(i).encode("utf-8") for i in wanted], dtype=np.bytes_)
        removed = 0
        for segment in self._segments:
            hit = np.isin(segment.ids, target) & segment.alive
            count = int(hit.sum())
            if count:
                if not segment.alive.flags.writeable:
                    segment.alive = np.array(segment.alive)
                segment.alive[hit] = False
                removed += count
        return removed

    def __len__(self) -> int:
        return sum(int(np.count_nonzero(s.alive)) for s in self._segments) + sum(len(c) for c in self._tail_codes)

    # ---- searching ------------------------------------------------------
    def search(self, queries_hex: Sequence[str], threshold: int | None = None) -> list[list[tuple]]:
        """For each query, every (id, distance) within `threshold` bits, nearest first."""
        queries = self.pack(queries_hex)
        qs, ids, dist = self.search_words(queries, threshold)
        out: list[list[tuple]] = [[] for _ in range(len(queries))]
        for q, i, d in zip(qs.tolist(), self.decode_ids(ids), dist.tolist()):
            out[q].append((i, d))
        for row in out:
            row.sort(key=lambda pair: (pair[1], str(pair[0])))
        return out

    def search_words(self, queries: np.ndarray, threshold: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised search: arrays (query row, id, distance) of every match."""
        radius = self.default_threshold() if threshold is None else int(threshold)
        if radius < 0:
            raise HashingError("the threshold must be 0 or more bits.")
        if self.exact:
            radius = 0
        queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1, self.words)
        if len(self._tail_codes) > 1:  # scanned as one small unindexed segment
            self._tail_codes, self._tail_ids = [np.concatenate(self._tail_codes)], [_concat_ids(self._tail_ids)]
        tail = [_Segment(self._tail_codes[0], self._tail_ids[0], np.ones(len(self._tail_ids[0]), bool))] if self._tail_codes else []
        found_q, found_i, found_d = [], [], []
        for segment in self._segments + tail:
            engine = self._engine_for(segment, radius)
            starts = range(0, len(queries), QUERY_BLOCK)
            search = lambda start: engine.search(queries[start : start + QUERY_BLOCK], radius)  # noqa: E731, B023 (called within the iteration)
            for start, (q, rows, d) in zip(starts, _parallel_map(search, starts, engine)):
                live = np.asarray(segment.alive)[rows]
                found_q.append(q[live] + start)
                found_i.append(segment.ids[rows[live]])
                found_d.append(d[live])
        if not found_q:
            return np.zeros(0, np.int64), self._empty_ids(), np.zeros(0, np.int32)
        return np.concatenate(found_q), _concat_ids(found_i), np.concatenate(found_d)

    def _empty_ids(self) -> np.ndarray:
        return np.zeros(0, dtype=np.int64 if self.id_kind == "int" else "S1")

    def decode_ids(self, ids: np.ndarray) -> list:
        """Stored ids -> Python values (int, or str)."""
        if self.id_kind == "int":
            return ids.tolist()
        return [raw.decode("utf-8") for raw in ids.tolist()]

    def _engine_for(self, segment: _Segment, radius: int):
        if self.exact:
            kind = "exact"
        elif self.engine == "faiss":
            kind = "faiss"
        elif self.engine == "brute" or "offsets" not in segment.tables or not MultiIndexEngine.usable(self.bits, radius):
            kind = "brute"
        else:
            kind = "mih"
        engine = segment._engines.get(kind)
        if engine is None:
            if kind == "exact":
                engine = ExactEngine(segment.codes, segment.tables.get("order"))
            elif kind == "mih":
                engine = MultiIndexEngine(segment.codes, segment.tables["order"], segment.tables["offsets"])
            elif kind == "faiss":
                engine = FaissFlatEngine(segment.codes)
            else:
                engine = BruteForceEngine(segment.codes)
            segment._engines[kind] = engine
        return engine

    def memory_bytes(self) -> int:
        """Bytes held by codes, ids, live masks and tables (mapped files count in full)."""
        total = 0
        for segment in self._segments:
            total += segment.codes.nbytes + segment.ids.nbytes + segment.alive.nbytes
            total += sum(array.nbytes for array in segment.tables.values())
        return total + sum(c.nbytes for c in self._tail_codes) + sum(i.nbytes for i in self._tail_ids)

    # ---- persistence ----------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the index as a folder (atomically: a temporary folder renamed into place)."""
        self._flush_tail(force=True)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with staged_folder(path) as staging:
            segments = []
            for k, segment in enumerate(self._segments):
                names = {"codes": segment.codes, "ids": segment.ids, "alive": np.asarray(segment.alive), **segment.tables}
                for name, array in names.items():
                    np.save(staging / f"seg{k}_{name}.npy", np.asarray(array), allow_pickle=False)
                segments.append({"rows": len(segment), "arrays": sorted(names)})
            meta = {
                "format": "saferkit-hash-index",
                "version": FORMAT_VERSION,
                "hash_type": self.hash_type,
                "hex_length": self.hex_length,
                "engine": self.engine,
                "id_kind": self.id_kind,
                "next_int_id": self._next_int_id,
                "segments": segments,
            }
            (staging / "index.json").write_text(json.dumps(meta, indent=1))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: bool = True) -> "HashIndex":
        """Open a saved index; with `mmap` the arrays are mapped from disk, not read."""
        path = Path(path)
        meta_path = path / "index.json"
        if not meta_path.is_file():
            raise HashingError(f"{path} is not a saved saferkit hash index (no index.json); build one with HashIndex.save.")
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as exc:
            raise HashingError(f"{meta_path} is unreadable: {exc}") from exc
        if meta.get("format") != "saferkit-hash-index" or meta.get("version") != FORMAT_VERSION:
            raise HashingError(f"{path} is not a version-{FORMAT_VERSION} saferkit hash index.")
        index = cls(meta["hash_type"], hex_length=meta["hex_length"], engine=meta["engine"], id_kind=meta["id_kind"])
        index._next_int_id = int(meta["next_int_id"])
        mode: Literal["r"] | None = "r" if mmap else None
        for k, info in enumerate(meta["segments"]):
            arrays = {name: np.load(path / f"seg{k}_{name}.npy", mmap_mode=mode, allow_pickle=False) for name in info["arrays"]}
            segment = _Segment(codes=arrays.pop("codes"), ids=arrays.pop("ids"), alive=arrays.pop("alive"), tables=arrays)
            index._segments.append(segment)
        return index


def _parallel_map(function, items: range, engine) -> list:
    """Query blocks on all cores: numpy releases the GIL in gathers and popcounts.

    FAISS parallelises itself (OpenMP), so its blocks run one after another.
    """
    if len(items) <= 1 or isinstance(engine, FaissFlatEngine) or SEARCH_THREADS <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(SEARCH_THREADS, len(items))) as pool:
        return list(pool.map(function, items))


def _concat_ids(parts: list[np.ndarray]) -> np.ndarray:
    if parts and parts[0].dtype.kind == "S":
        width = max(p.dtype.itemsize for p in parts)
        return np.concatenate([p.astype(f"S{width}") for p in parts])
    return np.concatenate(parts)
