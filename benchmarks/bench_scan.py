"""Bulk-scan throughput: one worker process vs two, and the Ray engine vs the local one.

Figures are medians of alternating rounds (`--rounds`, default 3): on a
2-core machine one run moves more than the targets' margins.

Targets (issue 9): the local engine on 2 cores reaches at least 1.8x the
single-process rate, and the Ray engine run locally is within 25% of the local
engine's rate. Both engines run the same ScanWorker over the same plan batches.

Two rates per run: end to end (worker or Ray start-up included, from the first
batch handed out to the last row back) and steady (from the first result back
to the last, so start-up is excluded). Start-up is a fixed cost that a scan of
millions of files pays once, so the ratios use the steady rates; both are printed.

Run: python benchmarks/bench_scan.py [--images 1200] [--size 640x480] [--model SUBMISSION] [--workers 2]
The anchor (single-process rate) is measured in the same run. Figures on a
shared or busy machine are noisy; compare ratios from one quiet run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

TESTS_SUPPORT = Path(__file__).resolve().parents[1] / "tests" / "support"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1200, help="more files weigh start-up and the last blocks less")
    parser.add_argument("--size", default="640x480", help="WIDTHxHEIGHT of the procedural JPEGs")
    parser.add_argument("--model", type=Path, default=None, help="submission to score with [default: a tiny toy model]")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds; figures are medians (one run moves more than the targets' margins)")
    return parser.parse_args()


def _model(folder: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    sys.path.insert(0, str(TESTS_SUPPORT))
    from toy_submissions import write_toy_submission

    return write_toy_submission(folder / "toy-model")


def _measure(engine, batches) -> dict[str, float]:
    """Run every batch; returns files, end-to-end and steady rates."""
    files = sum(len(b.files) for b in batches)
    started = time.perf_counter()
    first_at, first_files, done = None, 0, 0
    for _, table in engine.run(batches):
        done += len(table)
        if first_at is None:
            first_at, first_files = time.perf_counter(), done
    ended = time.perf_counter()
    assert done == files, f"{done} rows for {files} files"
    steady_files = done - first_files
    steady_s = ended - first_at if first_at is not None else float("nan")
    return {"files": files, "total_s": ended - started, "rate": files / (ended - started),
            "steady_rate": steady_files / steady_s if steady_s > 0 else float("nan")}


def _round_ratios(figures: list[dict[str, float]], anchors: list[dict[str, float]]) -> str:
    """Steady-rate ratio of each round to the same round's anchor."""
    return ", ".join(f"{f['steady_rate'] / a['steady_rate']:.2f}" for f, a in zip(figures, anchors))


def main() -> None:
    args = _args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    from saferkit.hashing.procedural import write_procedural_set
    from saferkit.core import plan as scan_plan
    from saferkit.serving.scan.local_engine import LocalEngine
    from saferkit.serving.scan.runner import ScanOptions, _settings
    from saferkit.serving.scan.walk import list_source

    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        tmp_path = Path(tmp)
        print(f"writing {args.images} procedural {width}x{height} JPEGs ...", flush=True)
        write_procedural_set(tmp_path / "media", args.images, size=(width, height))
        model = _model(tmp_path, args.model)
        _, config = _settings(ScanOptions(out=tmp_path / "unused", source=tmp_path / "media", models=[model]))
        listed = list_source(tmp_path / "media", None)
        table = scan_plan.build_plan(listed, shard_size=len(listed), batch_size=args.batch_size)
        batches = scan_plan.batches_for(table, {0})

        runs = [("local, 1 worker", LocalEngine(replace(config, threads=1), 1)),
                (f"local, {args.workers} workers", LocalEngine(replace(config, threads=1), args.workers))]
        if not args.skip_ray:
            from saferkit.serving.scan.ray_engine import RayEngine

            runs.append((f"ray (local), {args.workers} actors", RayEngine(replace(config, threads=1), args.workers)))
        rounds: dict[str, list[dict[str, float]]] = {label: [] for label, _ in runs}
        for round_number in range(1, max(1, args.rounds) + 1):
            for label, engine in runs:
                print(f"round {round_number}: running {label} ...", flush=True)
                rounds[label].append(_measure(engine, batches))
        results = {label: {key: statistics.median(r[key] for r in measured) for key in measured[0]}
                   for label, measured in rounds.items()}

    print()
    print(f"medians of {max(1, args.rounds)} alternating rounds")
    print(f"{'engine':<28}{'files':>7}{'wall s':>9}{'files/s (end to end)':>22}{'files/s (steady)':>18}")
    for label, r in results.items():
        print(f"{label:<28}{r['files']:>7}{r['total_s']:>9.2f}{r['rate']:>22.1f}{r['steady_rate']:>18.1f}")
    one, many = results["local, 1 worker"], results[f"local, {args.workers} workers"]
    local_many = f"local, {args.workers} workers"
    print(f"per-round local ratios (steady): {_round_ratios(rounds[local_many], rounds['local, 1 worker'])}")
    if not args.skip_ray:
        ray_rounds = rounds[f"ray (local), {args.workers} actors"]
        print(f"per-round ray / local ratios (steady): {_round_ratios(ray_rounds, rounds[local_many])}")
    print()
    print(f"anchor: single-process steady rate {one['steady_rate']:.1f} files/s")
    print(f"local {args.workers} workers / 1 worker: steady {many['steady_rate'] / one['steady_rate']:.2f}x "
          f"(end to end {many['rate'] / one['rate']:.2f}x); target >= 1.8x on 2 cores")
    if not args.skip_ray:
        ray = results[f"ray (local), {args.workers} actors"]
        print(f"ray / local ({args.workers} each): steady {ray['steady_rate'] / many['steady_rate']:.2f} "
              f"(end to end {ray['rate'] / many['rate']:.2f}); target >= 0.75")


if __name__ == "__main__":
    main()
