"""Throughput of one-pass hashing vs the naive pipeline (issue 4 target: >= 3x).

Both pipelines hash the same 1-3 megapixel JPEGs with PDQ + pHash + SHA-256 on
the same number of processes. Naive: read the file for SHA-256, fully decode
it, then `pdqhash.compute` and `imagehash.phash` each on their own. saferkit:
one read, one (reduced-size, draft-mode, luma-only) decode shared by every
algorithm, and PDQ's own 64x64 reduction computed as a product
(hashing/pdq_reduce.py). The hashes are compared with the naive ones.
The photos are procedural, photo-like scenes (no people) written to a
temporary folder at run time.

Run: python benchmarks/bench_hash.py [--images 96] [--workers N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from saferkit.hashing.bulk import hash_paths
from saferkit.hashing.procedural import procedural_image

SIZES = ((1280, 960), (1920, 1080), (2048, 1536))  # 1.2, 2.1 and 3.1 megapixels


def naive(path: str) -> tuple[str, str, str]:
    import imagehash
    import pdqhash
    from PIL import Image

    with open(path, "rb") as handle:
        sha = hashlib.sha256(handle.read()).hexdigest()
    image = Image.open(path).convert("RGB")
    bits, _ = pdqhash.compute(np.asarray(image))
    phash = str(imagehash.phash(image))
    return sha, np.packbits(bits.astype(np.uint8)).tobytes().hex(), phash


def write_photos(folder: Path, count: int) -> list[str]:
    paths = []
    for k in range(count):
        path = folder / f"photo-{k:03d}.jpg"
        procedural_image(1000 + k, SIZES[k % len(SIZES)]).save(path, "JPEG", quality=90)
        paths.append(str(path))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=96, help="photos to hash (fewer lets process start-up weigh on the rates)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=2, help="timed passes over the files (best is kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hash-") as tmp:
        paths = write_photos(Path(tmp), args.images)
        megapixels = sum(w * h for w, h in (SIZES[k % len(SIZES)] for k in range(args.images))) / 1e6
        best_naive = best_ours = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            with ProcessPoolExecutor(max_workers=args.workers) as pool:
                naive_rows = list(pool.map(naive, paths, chunksize=2))
            best_naive = min(best_naive, time.perf_counter() - start)
            start = time.perf_counter()
            our_rows = list(hash_paths(paths, ["pdq", "phash", "sha256"], workers=args.workers))
            best_ours = min(best_ours, time.perf_counter() - start)
    print(f"{len(paths)} JPEGs, {megapixels / len(paths):.1f} MP on average ({', '.join(f'{w}x{h}' for w, h in SIZES)}), {args.workers} process(es)")
    naive_rate = len(paths) / best_naive
    print(f"naive pipeline (anchor, this run)          {naive_rate:8.1f} files/s")
    assert all(row["error"] is None for row in our_rows)
    assert [r["sha256"] for r in our_rows] == [n[0] for n in naive_rows]
    rate = len(paths) / best_ours
    ratio = rate / naive_rate
    pdq_gap = [bin(int(r["pdq"], 16) ^ int(n[1], 16)).count("1") for r, n in zip(our_rows, naive_rows)]
    phash_gap = [bin(int(r["phash"], 16) ^ int(n[2], 16)).count("1") for r, n in zip(our_rows, naive_rows)]
    print(f"{'saferkit, default policy':<42} {rate:8.1f} files/s   {ratio:5.2f}x the anchor   target >= 3x  [{'meets' if ratio >= 3 else 'MISSES'} target]")
    print(f"    bits differing from the naive hashes: PDQ mean {np.mean(pdq_gap):.1f} max {max(pdq_gap)}, "
          f"pHash mean {np.mean(phash_gap):.1f} max {max(phash_gap)}")

if __name__ == "__main__":
    main()
