"""Default match thresholds against the robustness benchmark's measured false-match rates (issue 21).

Runs `saferkit hashing bench` (generated procedural scenes, every transform x
severity) and, per perceptual hash, prints the kit's default threshold (the
figure), the largest distance whose false-match rate over all distinct pairs
is at most 1e-4 (the anchor), their ratio (at most 1: the default sits inside
the measured safe range), the closest distinct pair, and how many distinct
pairs share an identical hash. An anchor of -1 means no distance is safe.

Partial decodes: baseline JPEGs of generated scenes cut to 80%, 70% and 65%
of their bytes (carved files) are decoded as the scan does; per cut it prints
the share of copies within the default (31) and within the partial distance
(`partial_threshold(31)` = 63, the figure), and the closest distance from a
cut copy to any other scene (the anchor): the wider distance must stay under it.

Run: python benchmarks/bench_thresholds.py [--count 40] [--out /tmp/bench-thresholds]
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from rich.console import Console

from saferkit.hashing.algorithms import DEFAULT_THRESHOLDS, WEAK_ALGOS, partial_threshold
from saferkit.hashing.robustness import run_benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-thresholds"))
    args = parser.parse_args()
    result = run_benchmark(images=None, out=args.out, algos=None, count=args.count, transforms=None, seed=0,
                           console=Console(file=io.StringIO()))
    with open(result.csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    seen = set()
    print(f"{'hash':14} {'default':>7} {'measured@1e-4':>13} {'ratio':>6} {'closest':>7} {'identical':>9} {'pairs':>8}  verdict")
    for row in rows:
        algo = row["algorithm"]
        if algo in seen or algo not in DEFAULT_THRESHOLDS:
            continue
        seen.add(algo)
        default, measured = DEFAULT_THRESHOLDS[algo], int(row["threshold"])
        ratio = f"{default / measured:.2f}" if measured > 0 else ("0/0" if default == 0 else "inf")
        if measured < 0:
            verdict = "no safe distance" + ("; weak: off by default" if algo in WEAK_ALGOS else "; NOT met")
        else:
            verdict = ("met" if default <= measured else "NOT met") + ("; weak: off by default" if algo in WEAK_ALGOS else "")
        print(f"{algo:14} {default:>7} {measured:>13} {ratio:>6} {row['distinct_min']:>7} "
              f"{row['distinct_identical']:>9} {int(row['distinct_pairs']):>8,}  {verdict}")
    partial_decodes(args.count)


def partial_decodes(count: int) -> None:
    import numpy as np

    from saferkit.datasets.drive import _scene_source, encode
    from saferkit.hashing import hash_bytes
    from saferkit.hashing.decode import DecodePolicy

    def bits(hex_hash: str) -> np.ndarray:
        return np.unpackbits(np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8))

    scenes = [_scene_source(384, 0)(200 + k).convert("RGB") for k in range(count)]
    whole = np.array([bits(hash_bytes(encode(scene, "PNG"), ["pdq"])["pdq"]) for scene in scenes])
    default, wider = DEFAULT_THRESHOLDS["pdq"], partial_threshold(DEFAULT_THRESHOLDS["pdq"])
    print(f"\npartial decodes ({count} scenes, 384 px, baseline JPEG q90 cut): figure = partial distance {wider}")
    print(f"{'cut':>5} {'within 31':>10} {'within ' + str(wider):>10} {'closest other':>13} {'ratio':>6}  verdict")
    for cut in (0.8, 0.7, 0.65):
        own, other = [], []
        for k, scene in enumerate(scenes):
            jpeg = encode(scene, "JPEG", quality=90)
            carved = hash_bytes(jpeg[: int(len(jpeg) * cut)], ["pdq"], policy=DecodePolicy(partial=True))
            distances = (whole != bits(carved["pdq"])).sum(axis=1)
            own.append(int(distances[k]))
            other.append(int(np.delete(distances, k).min()))
        closest = min(other)
        print(f"{cut:>5.0%} {sum(d <= default for d in own) / count:>10.2f} {sum(d <= wider for d in own) / count:>10.2f} "
              f"{closest:>13} {wider / closest:>6.2f}  {'met' if wider < closest else 'NOT met'}")


if __name__ == "__main__":
    main()
