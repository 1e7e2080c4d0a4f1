"""Benchmark the starter's training speed against `saferkit baseline train` for the same network.

Issue 18: the starter's train.py trained 2.7x slower per epoch than the baseline
(per-image v2 augmentation in the DataLoader). Now it augments whole batches.
Runs, on the same data and network, in this order:
- the baseline path: `baseline.training.train` with its defaults (BatchAugment) - the anchor;
- the starter path: the generated project's `build_model` / `build_augmentation` / `build_loss`
  passed to `train` as train.py does - the figure;
- the old starter path (per-image v2 pipeline as `train_transform`) - for reference.
Prints seconds per epoch for each (the fastest of --repeats interleaved rounds, so a
busy moment on a shared machine hits every path alike) and the ratio figure / anchor
(1.0 = as fast).

Usage: python benchmarks/bench_starter.py [--n 1500] [--epochs 2] [--size 64] [--repeats 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path


def _starter_module():
    from saferkit.baseline import starter

    path = Path(starter.__file__).with_name("train.py")
    spec = importlib.util.spec_from_file_location("starter_train", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _per_image_pipeline():
    from torchvision.transforms import v2

    from saferkit.baseline.augment import RandomRightAngleTurn, normalise

    return v2.Compose([RandomRightAngleTurn(), v2.RandomHorizontalFlip(),
                       v2.RandomApply([v2.ColorJitter(brightness=0.25, contrast=0.25, saturation=0.25)], p=0.5), normalise()])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    from rich.console import Console

    from saferkit.baseline.config import DEFAULT_ARCH, TrainConfig, labels_for
    from saferkit.baseline.training import train
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate

    quiet = Console(quiet=True)
    starter = _starter_module()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        generate(root / "data", make_config(n=args.n, seed=5, size=args.size), workers=None)
        config = TrainConfig(epochs=args.epochs, img_size=args.size, workers=0, log_model=False)
        timings: dict[str, float] = {}
        runs = {
            "baseline train (anchor)": lambda: {},
            "starter train.py (figure)": lambda: {"model": starter.build_model(len(labels_for("binary")), DEFAULT_ARCH),
                                                  "batch_transform": starter.build_augmentation(), "loss_fn": starter.build_loss()},
            "old per-image starter": lambda: {"model": starter.build_model(len(labels_for("binary")), DEFAULT_ARCH),
                                              "train_transform": _per_image_pipeline(), "loss_fn": starter.build_loss()},
        }
        for repeat in range(args.repeats):
            for name, kwargs in runs.items():
                started = time.perf_counter()
                train(root / "data", root / f"{name.split()[0]}-{repeat}", config, console=quiet, **kwargs())
                seconds = (time.perf_counter() - started) / args.epochs
                timings[name] = min(seconds, timings.get(name, seconds))
    anchor = timings["baseline train (anchor)"]
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.1f} s/epoch (ratio to the baseline {seconds / anchor:.2f})")
    print(f"figure {timings['starter train.py (figure)']:.1f} s/epoch, anchor {anchor:.1f} s/epoch, "
          f"ratio {timings['starter train.py (figure)'] / anchor:.2f} ({DEFAULT_ARCH}, {args.n} images, {args.size} px)")


if __name__ == "__main__":
    main()
