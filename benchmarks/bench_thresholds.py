"""Default match thresholds against the robustness benchmark's measured false-match rates (issue 21).

Runs `saferkit hashing bench` (generated procedural scenes, every transform x
severity) and, per perceptual hash, prints the kit's default threshold (the
figure), the largest distance whose false-match rate over all distinct pairs
is at most 1e-4 (the anchor), their ratio (at most 1: the default sits inside
the measured safe range), the closest distinct pair, and how many distinct
pairs share an identical hash. An anchor of -1 means no distance is safe.

Run: python benchmarks/bench_thresholds.py [--count 40] [--out /tmp/bench-thresholds]
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from rich.console import Console

from saferkit.hashing.algorithms import DEFAULT_THRESHOLDS, WEAK_ALGOS
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


if __name__ == "__main__":
    main()
