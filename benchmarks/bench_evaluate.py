"""Benchmark: a full evaluation of a baseline-sized model on 10,000 64 px images.

Target (issue 5): 1,000 bootstrap resamples and the full robustness suite at
3 severities in at most 3 minutes. The anchor, measured in the same run, is one
plain pass of the model over the clean test images; the ratio says how many
such passes the whole evaluation costs (the robustness suite alone is 3 x the
number of transforms passes).

Usage: python benchmarks/bench_evaluate.py [--n 10000] [--submission DIR] [--resamples 1000]
Without --submission it exports an untrained model of the baseline's default
architecture (weights=None) to ONNX; the data is generated once and cached.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

TARGET_S = 180.0


def _data(root: Path, n: int) -> Path:
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate

    if not (root / "provenance.json").is_file():
        # Every generated image goes to the test split: the benchmark scores n test images.
        generate(root, make_config(n=n, seed=0, size=64, splits="test=1.0"), overwrite=True)
    return root


def _baseline_like_submission(folder: Path, data: Path) -> Path:
    """The baseline's default architecture (weights=None) with a softmax head, exported as a valid submission.

    Untrained, its batch-norm statistics are the defaults and every image gets the same score,
    which would make the ranking and bootstrap work unrealistically cheap (one tie level). A few
    forward passes over real images in train mode set those statistics, so scores differ per image.
    """
    import numpy as np
    import torch
    import yaml
    from PIL import Image

    from saferkit.baseline.config import DEFAULT_ARCH
    from saferkit.baseline.models import build_model
    from saferkit.datasets import load_dataset

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    net = torch.nn.Sequential(build_model(DEFAULT_ARCH, 2), torch.nn.Softmax(dim=1))
    paths = list(load_dataset(data)["abspath"][:256])
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    batch = torch.tensor(np.stack([((np.asarray(Image.open(p).convert("RGB")) / 255.0 - mean) / std).transpose(2, 0, 1) for p in paths]), dtype=torch.float32)
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None  # a plain average over the passes below
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(batch)
    net.eval()
    torch.onnx.export(
        net, torch.zeros(1, 3, 64, 64), folder / "model.onnx", input_names=["image"], output_names=["scores"],
        dynamic_axes={"image": {0: "batch"}, "scores": {0: "batch"}}, opset_version=17, dynamo=False,
    )
    manifest = {
        "schema_version": 1, "name": "bench-baseline-arch", "version": "0.0.1",
        "team": {"name": "bench", "contact": "bench@example.org"}, "license": "Apache-2.0", "task": "binary-triage",
        "input": {"name": "image", "height": 64, "width": 64, "color": "RGB", "scale": 255.0, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "resize": "bilinear", "letterbox": False},
        "output": {"name": "scores", "kind": "probabilities", "labels": ["negative", "positive"], "positive_label": "positive"},
        "operating_point": {"threshold": 0.5, "chosen_for": "benchmark"},
        "training_data": [{"name": "none", "content": "synthetic", "license": "CC0-1.0", "provenance_sha256": "0" * 64}],
        "model_card": {k: "benchmark model" for k in ("intended_use", "out_of_scope_uses", "limitations", "domain_gap", "ethical_considerations", "human_oversight", "contestability")},
        "ethics": {},
    }
    (folder / "submission.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--submission", type=Path, default=None)
    parser.add_argument("--provider", default="auto", help="onnxruntime provider for the anchor and the evaluation: auto, cpu or cuda.")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "saferkit-bench-evaluate")
    args = parser.parse_args()

    from saferkit.datasets import load_dataset
    from saferkit.datasets.transforms import TRANSFORMS
    from saferkit.evaluation.evaluate import EvaluationConfig, evaluate
    from saferkit.evaluation.runner import OnnxTriageModel
    from saferkit.evaluation.scoring import load_images, score_all
    from saferkit.evaluation.submission import load_submission

    data = _data(args.cache / f"data-{args.n}", args.n)
    submission = args.submission or _baseline_like_submission(args.cache / "submission", data)

    # Anchor: one plain pass over the clean images (decode + preprocess + model), same thread pool.
    frame = load_dataset(data)
    images = load_images(list(frame[frame["split"] == "test"]["abspath"]))
    model = OnnxTriageModel(load_submission(submission), providers=args.provider, threads=1)
    started = time.perf_counter()
    score_all(model, images)
    anchor = time.perf_counter() - started

    config = EvaluationConfig(bootstrap_resamples=args.resamples, severities=(1, 3, 5), overwrite=True, provider=args.provider)
    phases: dict[str, float] = {}
    last = {"label": "setup", "at": time.perf_counter()}

    def mark(label: str) -> None:
        now = time.perf_counter()
        phases[last["label"]] = phases.get(last["label"], 0.0) + now - last["at"]
        last.update(label=label, at=now)

    from saferkit.evaluation.evaluate import Progress

    started = time.perf_counter()
    last["at"] = started
    result = evaluate(submission, data, args.cache / "report", config, Progress(start=lambda label, total: mark(label), note=mark))
    mark("done")
    total = time.perf_counter() - started

    print(f"evaluate ({', '.join(model.providers)}): {len(images)} images, {args.resamples} resamples, {len(TRANSFORMS)} transforms x 3 severities")
    for label, seconds in phases.items():
        print(f"  {label:<48} {seconds:7.1f} s")
    print(f"total {total:.1f} s (target <= {TARGET_S:.0f} s: {'met' if total <= TARGET_S else 'NOT met'})")
    print(f"anchor: one clean scoring pass {anchor:.1f} s ({len(images) / anchor:.0f} images/s); ratio total/anchor = {total / anchor:.1f}")
    print(result.report["headline_summary"])


if __name__ == "__main__":
    main()
