"""Bulk-scan throughput: one worker process vs two, the Ray engine vs the local one, and a drive vs its floor.

With `--drive` (issue 19): a synthetic seized drive (`saferkit data synth-drive`
with `--fill` extra pictures, at least 2,000 files) is scanned without a model
(`run_scan`, every core, the hash list matched, start-up included) beside a
floor measured in the same run: the least work possible, on every core (a
process pool): read each file once, its MD5, SHA-1 and SHA-256, and one decode
of each picture at the size the kit's decode policy uses for hashes
(`DecodedImage.for_hashes`). The floor does not open archives, disk images,
PDFs or frames; the scan does, so those are extra work the ratio includes.
Target: the scan's wall time within 1.5x of the floor's.

Run: python benchmarks/bench_scan.py --drive [--fill 2000] [--scene-size 768] [--rounds 2] [--algos LIST]

`--algos` (as `saferkit scan --algos`) makes the scan and the floor + hashes
compute those hashes instead of what the drive's list calls for (MD5, PDQ,
vPDQ): `--algos md5,sha1,sha256,pdq,phash` measures a scan whose list also
carries pHash.

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

from saferkit.hashing.algorithms import CRYPTO_ALGOS, normalize_algos, scan_algos
from saferkit.serving.scan.rowfields import listed_files

TESTS_SUPPORT = Path(__file__).resolve().parents[1] / "tests" / "support"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1200, help="more files weigh start-up and the last blocks less")
    parser.add_argument("--size", default="640x480", help="WIDTHxHEIGHT of the procedural JPEGs")
    parser.add_argument("--model", type=Path, default=None, help="submission to score with [default: a tiny toy model]")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--drive", action="store_true", help="scan a synthetic drive beside its floor (see above)")
    parser.add_argument("--fill", type=int, default=2000, help="--drive: extra pictures on the drive")
    parser.add_argument("--algos", default=None, help="--drive: hashes the scan computes (default: what its list calls for)")
    parser.add_argument("--scene-size", type=int, default=768, help="--drive: side of the scenes in pixels")
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
        done += listed_files(table)
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


def _floor_one(path: str, hashes: tuple[str, ...] = ()) -> int:
    """The least work for one file: one read, three digests, one decode of a picture at the hashes' size
    (and the perceptual `hashes` the scan computes, from that decode: what the scan adds per picture)."""
    import hashlib

    from saferkit.core.media import SCAN_POLICY, DecodedImage, MediaError
    from saferkit.serving.scan.worker import looks_like_image

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return 0
    for name in ("md5", "sha1", "sha256"):
        hashlib.new(name, data).hexdigest()
    if data and looks_like_image(path, data[:16]):
        try:
            decoded = DecodedImage(data, SCAN_POLICY)
            decoded.for_hashes()
            if hashes:
                from saferkit.hashing import hash_bytes_partial

                hash_bytes_partial(data, hashes, decoded=decoded)
        except MediaError:
            pass
    return len(data)


def _floor(paths: list[str], cores: int, hashes: tuple[str, ...] = ()) -> dict[str, float]:
    import functools
    import multiprocessing

    started = time.perf_counter()
    with multiprocessing.Pool(cores) as pool:
        read = sum(pool.imap_unordered(functools.partial(_floor_one, hashes=hashes), paths, chunksize=16))
    return {"wall_s": time.perf_counter() - started, "bytes": read}


def _scan_drive(drive: Path, out: Path, cores: int, algos: list[str] | None) -> dict[str, float]:
    import io
    import shutil

    from rich.console import Console

    from saferkit.serving.scan.runner import ScanOptions, run_scan

    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = run_scan(ScanOptions(out=out, source=drive / "drive", hashlists=[drive / "known.csv"], workers=cores,
                                   algos=algos, progress=False), Console(file=io.StringIO()))
    return {"wall_s": time.perf_counter() - started, "rows": summary["files_done"] + summary["members_done"]}


def _scan_perceptual(hashlist: Path) -> tuple[str, ...]:
    """The perceptual hashes the scan computes with this list loaded (what `run_scan` chooses)."""
    from saferkit.hashing import HashMatcher

    listed = {name for loaded in HashMatcher([hashlist]).lists for name in loaded.rows}
    return tuple(name for name in scan_algos(listed) if name not in CRYPTO_ALGOS)


def drive_main(args: argparse.Namespace) -> None:
    import os

    from saferkit.core.walk import walk_paths
    from saferkit.datasets.drive import build_drive

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-drive-") as tmp:
        drive = Path(tmp) / "synth"
        print(f"building a synthetic drive with {args.fill} extra pictures of {args.scene_size} px ...", flush=True)
        build_drive(drive, size=args.scene_size, fill=args.fill)
        paths = [item.path for item in walk_paths([drive / "drive"]) if item.walk_error is None]
        size = sum(os.path.getsize(path) for path in paths)
        algos = args.algos.split(",") if args.algos else None
        perceptual = (tuple(name for name in normalize_algos(algos) if name not in CRYPTO_ALGOS) if algos
                      else _scan_perceptual(drive / "known.csv"))
        floors, hashed, scans = [], [], []
        for round_number in range(1, max(1, args.rounds) + 1):
            print(f"round {round_number}: floor, floor + hashes, then scan ...", flush=True)
            floors.append(_floor(paths, cores))
            hashed.append(_floor(paths, cores, hashes=perceptual))
            scans.append(_scan_drive(drive, Path(tmp) / "out", cores, algos))
    floor = statistics.median(f["wall_s"] for f in floors)
    with_hashes = statistics.median(f["wall_s"] for f in hashed)
    scan = statistics.median(s["wall_s"] for s in scans)
    megabytes = size / 1e6
    print()
    print(f"drive: {len(paths)} files, {megabytes:.1f} MB; scan rows (files and what they hold): {scans[0]['rows']}; "
          f"{cores} cores; medians of {len(scans)} alternating rounds")
    print(f"{'':<34}{'wall s':>9}{'files/s':>10}{'MB/s':>9}")
    print(f"{'floor (read, 3 digests, 1 decode)':<34}{floor:>9.2f}{len(paths) / floor:>10.1f}{megabytes / floor:>9.1f}")
    print(f"{'floor + ' + ', '.join(perceptual):<34}{with_hashes:>9.2f}{len(paths) / with_hashes:>10.1f}{megabytes / with_hashes:>9.1f}")
    print(f"{'scan, no model (start-up incl.)':<34}{scan:>9.2f}{len(paths) / scan:>10.1f}{megabytes / scan:>9.1f}")
    per_round = ", ".join(f"{s['wall_s'] / f['wall_s']:.2f}" for s, f in zip(scans, floors))
    print(f"scan / floor wall time: {scan / floor:.2f}x (rounds {per_round}); target <= 1.5x")
    print(f"(floor + hashes) / floor: {with_hashes / floor:.2f}x; scan / (floor + hashes): {scan / with_hashes:.2f}x")


def main() -> None:
    args = _args()
    if args.drive:
        drive_main(args)
        return
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
        _, config, _ = _settings(ScanOptions(out=tmp_path / "unused", source=tmp_path / "media", models=[model],
                                          allow_unqualified=True))
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
