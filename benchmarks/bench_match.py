"""Speed and memory of the Hamming index (issue 4 targets), each figure beside its anchor.

Targets: 1,000,000 PDQ hashes at radius 31 answer >= 2,000 exact queries/s and
at least FAISS IndexBinaryFlat's rate measured here; 10,000,000 hashes fit in
under 1 GB; adding 1,000,000 takes under 10 s. Hashes are random 256-bit
codes; half the queries are near-duplicates of stored hashes (0-40 bits
flipped), half are random. Results are checked against FAISS for equality.

Run: python benchmarks/bench_match.py [--n 1000000] [--big 10000000] [--queries 4000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from saferkit.hashing.codes import words_to_hex
from saferkit.hashing.engines import BruteForceEngine, FaissFlatEngine
from saferkit.hashing.index import HashIndex

RADIUS = 31


def random_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, np.iinfo(np.uint64).max, size=(n, 4), dtype=np.uint64, endpoint=True)


def make_queries(rng: np.random.Generator, codes: np.ndarray, n: int) -> np.ndarray:
    near = codes[rng.integers(0, len(codes), n // 2)].copy()
    flips = rng.integers(0, 41, len(near))
    for row, count in zip(near, flips):
        for bit in rng.choice(256, size=int(count), replace=False):
            row[bit // 64] ^= np.uint64(1) << np.uint64(bit % 64)
    return np.concatenate([near, random_codes(rng, n - len(near))])


def rate(function, count: int) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return count / (time.perf_counter() - start), result


def line(label: str, value: str, anchor: str, ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("  [meets target]" if ok else "  [MISSES target]")
    print(f"{label:<44} {value:>18}   anchor: {anchor}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000, help="size for the memory figure (0 to skip)")
    parser.add_argument("--queries", type=int, default=4000)
    parser.add_argument("--faiss-queries", type=int, default=400)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    codes = random_codes(rng, args.n)
    hexes = words_to_hex(codes, 64)
    index = HashIndex("pdq", id_kind="int")
    start = time.perf_counter()
    index.add(hexes)
    add_seconds = time.perf_counter() - start
    line(f"add {args.n:,} PDQ hashes (hex in)", f"{add_seconds:.2f} s", "< 10 s", add_seconds < 10)

    queries = make_queries(rng, codes, args.queries)
    index.search_words(queries[:64], RADIUS)  # warm caches
    ours, (qs, ids, dist) = rate(lambda: index.search_words(queries, RADIUS), len(queries))
    line(f"saferkit index, {args.n:,} x radius {RADIUS}", f"{ours:,.0f} q/s", ">= 2,000 q/s", ours >= 2000)

    faiss_engine = FaissFlatEngine(codes)
    subset = queries[: args.faiss_queries]
    faiss_rate, (fq, fr, fd) = rate(lambda: faiss_engine.search(subset, RADIUS), len(subset))
    line("FAISS IndexBinaryFlat range search", f"{faiss_rate:,.0f} q/s", "measured in this run")
    line("saferkit / FAISS", f"{ours / faiss_rate:.1f}x", ">= 1.0x", ours >= faiss_rate)

    mine = set(zip(qs[qs < len(subset)].tolist(), ids[qs < len(subset)].tolist(), dist[qs < len(subset)].tolist()))
    theirs = set(zip(fq.tolist(), fr.tolist(), fd.tolist()))
    line("identical results to FAISS (exact)", f"{len(mine):,} pairs", "same set", mine == theirs)

    brute = BruteForceEngine(codes)
    few = queries[:16]
    brute_rate, _ = rate(lambda: brute.search(few, RADIUS), len(few))
    line("numpy xor+popcount scan (for reference)", f"{brute_rate:,.0f} q/s", "measured in this run")
    single, _ = rate(lambda: [index.search_words(q[None, :], RADIUS) for q in queries[:200]], 200)
    line("saferkit index, one query per call", f"{single:,.0f} q/s", "unbatched use")
    faiss_engine = brute = index = codes = hexes = None  # free them before the big index (not del: the lambdas above name them)

    if args.big:
        big_codes = random_codes(rng, args.big)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        big = HashIndex("pdq", id_kind="int")
        start = time.perf_counter()
        big.add_words(big_codes)
        seconds = time.perf_counter() - start
        held = big.memory_bytes()
        line(f"index of {args.big:,} PDQ hashes, memory", f"{held / 1e9:.3f} GB", "< 1 GB", held < 1e9)
        line("  (built from packed codes in)", f"{seconds:.1f} s", "-")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        line("  process peak memory while building", f"{peak / 1e9:.2f} GB", f"was {before / 1e9:.2f} GB before")
        probe = make_queries(rng, big_codes, 1000)
        big_rate, _ = rate(lambda: big.search_words(probe, RADIUS), len(probe))
        line(f"saferkit index, {args.big:,} x radius {RADIUS}", f"{big_rate:,.0f} q/s", "-")


if __name__ == "__main__":
    main()
