"""Benchmark the reference baseline: training wall time on 2 CPU cores and ROC-AUC on the iid test split.

Target (issue 3): ROC-AUC >= 0.95 on the test split of a 6,000-image 64 px
synthetic set after at most 5 minutes of training on 2 CPU cores.

Prints:
- training wall time (the figure) against the 300 s budget (the anchor) and their ratio;
- test ROC-AUC of the exported ONNX model, scored through the evaluation runner
  (the figure), against the 0.95 target and chance 0.5 (anchors); the test split is
  read here, by the benchmark, never by training or export;
- a machine reference measured in the same run (a fixed training step's rate),
  because this machine's speed drifts and the wall time is only meaningful beside it.

Usage: python benchmarks/bench_baseline.py [--data DIR] [--n 6000] [--cores 2] [--epochs N] [--arch NAME]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

TIME_BUDGET_S = 300.0
AUC_TARGET = 0.95


def _pin_cores(cores: int) -> str:
    """Limit this process (and the DataLoader workers it forks) to `cores` CPUs."""
    import torch

    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if available and len(available) > cores:
        os.sched_setaffinity(0, available[:cores])
    torch.set_num_threads(cores)
    return f"{min(cores, len(available) or cores)} of {os.cpu_count()} CPUs"


def _reference_rate(steps: int = 20, batch: int = 64) -> float:
    """Training images/s of a fixed reference (resnet10_small, 64 px, random data) on the pinned cores.

    This machine's speed drifts (the same step ran at 157-245 images/s on one day); the
    reference, measured in the same run, hints at the state the wall time was taken in
    (a snapshot after training, not an average over it).
    """
    import torch
    from torch import nn

    from saferkit.baseline.models import build_model

    torch.manual_seed(0)
    model = build_model("resnet10_small", 2).to(memory_format=torch.channels_last)
    images = torch.randn(batch, 3, 64, 64).to(memory_format=torch.channels_last)
    targets = torch.randint(0, 2, (batch,))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for step in range(steps + 3):
        if step == 3:
            started = time.perf_counter()
        loss = nn.functional.cross_entropy(model(images), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return steps * batch / (time.perf_counter() - started)


def _test_auc(submission_dir: Path, data_dir: Path) -> tuple[float, int]:
    from PIL import Image
    from sklearn.metrics import roc_auc_score

    from saferkit.datasets import load_dataset
    from saferkit.evaluation.runner import OnnxTriageModel
    from saferkit.evaluation.submission import load_submission

    frame = load_dataset(data_dir)
    test = frame[frame["split"] == "test"]
    model = OnnxTriageModel(load_submission(submission_dir), providers="cpu")
    images = (Image.open(path) for path in test["abspath"])
    scores = model.positive_scores(model.score_images(images, batch_size=128))
    return float(roc_auc_score(test["flag"].astype(int), scores)), len(test)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an existing data folder (default: generate one)")
    parser.add_argument("--n", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--arch", default=None)
    args = parser.parse_args()

    from rich.console import Console

    from saferkit.baseline.config import TrainConfig
    from saferkit.baseline.export import export_submission
    from saferkit.baseline.training import train

    cores = _pin_cores(args.cores)
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as scratch:
        scratch = Path(scratch)
        data = args.data
        if data is None:
            from saferkit.datasets.plan import make_config
            from saferkit.datasets.synth import generate

            print(f"generating {args.n} synthetic 64 px images ...", flush=True)
            data = generate(scratch / "data", make_config(n=args.n, seed=args.seed, size=64)).root
        config = TrainConfig(seed=args.seed, device="cpu", log_model=False)
        if args.epochs:
            config.epochs = args.epochs
        if args.arch:
            config.arch = args.arch
        console = Console()
        started = time.perf_counter()
        result = train(data, scratch / "run", config, console=console)
        wall = time.perf_counter() - started
        exported = export_submission(result.run_dir, scratch / "submission", console=console)
        auc, n_test = _test_auc(exported.out_dir, Path(data))
        reference = _reference_rate()

    print()
    print(f"baseline {config.arch}, {config.epochs} epochs, {cores}")
    print(f"training wall time: {wall:.1f} s   anchor: budget {TIME_BUDGET_S:.0f} s   ratio {wall / TIME_BUDGET_S:.2f} "
          f"({'within' if wall <= TIME_BUDGET_S else 'OVER'} budget)")
    print(f"test ROC-AUC ({n_test} images): {auc:.4f}   anchors: target {AUC_TARGET}, chance 0.5   "
          f"ratio to target {auc / AUC_TARGET:.3f} ({'met' if auc >= AUC_TARGET else 'NOT met'})")
    print(f"val ROC-AUC at export: {exported.val['roc_auc']:.4f}; threshold {exported.threshold:.4f}; "
          f"{exported.views} view(s) per image")
    print(f"machine reference (same run, after training): {reference:.0f} training images/s for resnet10_small "
          f"at 64 px, batch 64")


if __name__ == "__main__":
    main()
