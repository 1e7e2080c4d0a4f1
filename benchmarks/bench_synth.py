"""Benchmark `saferkit data synth`: throughput on all cores, and how hard the task is for a linear model.

Prints:
- images/s with every core (the figure), images/s with one worker (the anchor, same
  run) and their ratio; the issue's target is >= 500 images/s at 64 px on 2 cores;
- ROC-AUC of a logistic regression on raw pixels, trained on `train` and scored on
  the iid `test` split (the figure), against chance 0.5 (the anchor); the target is
  <= 0.75, i.e. no shortcut a pixel-level linear model can find.

Usage: python benchmarks/bench_synth.py [--n 4000] [--size 64] [--workers 0] [--skip-linear]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from saferkit.datasets import load_dataset
from saferkit.datasets.plan import make_config
from saferkit.datasets.synth import default_workers, generate

THROUGHPUT_TARGET = 500.0
LINEAR_AUC_CEILING = 0.75


def _throughput(out: Path, n: int, size: int, workers: int, seed: int) -> tuple[float, float]:
    """(images per second of wall time, CPU milliseconds per image in this process and its workers)."""
    import resource

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    cpu_start, start = cpu(), time.perf_counter()
    generate(out, make_config(n=n, seed=seed, size=size), workers=workers)
    wall = time.perf_counter() - start
    return n / wall, (cpu() - cpu_start) / n * 1000


def _pixels(frame) -> np.ndarray:
    return np.stack([np.asarray(Image.open(p).convert("RGB"), dtype=np.float32).ravel() / 255.0 for p in frame["abspath"]])


def linear_auc(root: Path) -> float:
    """ROC-AUC on `test` of a logistic regression on standardised raw pixels fitted on `train`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    frame = load_dataset(root)
    train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
    x_train, x_test = _pixels(train), _pixels(test)
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    model = LogisticRegression(C=0.01, max_iter=200).fit((x_train - mean) / std, train["flag"])
    return float(roc_auc_score(test["flag"], model.predict_proba((x_test - mean) / std)[:, 1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=0, help="0: every core")
    parser.add_argument("--skip-linear", action="store_true", help="Only measure throughput.")
    args = parser.parse_args()
    workers = args.workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
        anchor_n = max(200, args.n // 4)
        single, single_cpu = _throughput(Path(tmp) / "single", anchor_n, args.size, 1, seed=1)
        parallel, parallel_cpu = _throughput(Path(tmp) / "all", args.n, args.size, workers, seed=0)
        print(f"synth throughput, {args.size} px: {parallel:.0f} images/s with {workers} workers "
              f"({parallel_cpu:.2f} CPU ms/image); anchor 1 worker: {single:.0f} images/s "
              f"({single_cpu:.2f} CPU ms/image); ratio {parallel / single:.2f}x; "
              f"target >= {THROUGHPUT_TARGET:.0f} images/s: {'met' if parallel >= THROUGHPUT_TARGET else 'NOT met'}")
        if not args.skip_linear:
            auc = linear_auc(Path(tmp) / "all")
            print(f"logistic regression on raw pixels, iid test ROC-AUC: {auc:.3f}; anchor chance 0.500; "
                  f"ratio {auc / 0.5:.2f}x chance; ceiling {LINEAR_AUC_CEILING}: "
                  f"{'met' if auc <= LINEAR_AUC_CEILING else 'NOT met'}")


if __name__ == "__main__":
    main()
