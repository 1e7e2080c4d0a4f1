"""onnxruntime's CPU and CUDA providers through the kit's one inference path (`OnnxTriageModel`).

For each model (the baseline's default architecture at 64 and 224 px, and
resnet18 at 224 px, random weights, exported by the baseline's exporter) and
each provider present on this machine, two rates:

- model: `OnnxTriageModel.run` on preprocessed batches of 32 and 256 (the graph alone);
- end to end: `OnnxTriageModel.score_images` on 640x480 PIL images, batches of 64
  (resize and normalisation in Python, then the graph), which is what evaluation,
  serving and the scan pay per image once decoded.

The anchor is the CPU provider's rate for the same model and batch, measured in
the same run; the ratio is CUDA over CPU. Without a CUDA provider (no GPU, or no
`saferkit[gpu]`) only the CPU rows print.

Run: python benchmarks/bench_providers.py [--seconds 5] [--out figures.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

MODELS = (("baseline-64px", 64, None), ("baseline-224px", 224, None), ("resnet18-224px", 224, "resnet18"))
MODEL_BATCHES = (32, 256)
END_TO_END_BATCH = 64


def _timed_rate(step, items_per_step: int, seconds: float) -> float:
    """Items/s of `step` repeated for `seconds` after one warm-up call."""
    step()
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        step()
        done += items_per_step
    return done / (time.perf_counter() - started)


def _images(n: int):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)) for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="Length of each measurement.")
    parser.add_argument("--out", type=Path, help="Also write the figures as JSON here.")
    args = parser.parse_args()

    import numpy as np

    from bench_serve import write_submission
    from saferkit.baseline.config import DEFAULT_ARCH
    from saferkit.evaluation.runner import CUDA, OnnxTriageModel, available_providers
    from saferkit.evaluation.submission import load_submission

    providers = ["cpu"] + (["cuda"] if CUDA in available_providers() else [])
    print(f"providers: {', '.join(providers)}; cores: {os.cpu_count()}")
    images = _images(END_TO_END_BATCH)
    figures: list[dict] = []
    with tempfile.TemporaryDirectory() as scratch:
        for label, size, arch in MODELS:
            folder = write_submission(Path(scratch) / label, size, arch or DEFAULT_ARCH)
            submission = load_submission(folder)
            rates: dict[tuple[str, str], float] = {}
            for provider in providers:
                model = OnnxTriageModel(submission, providers=provider)
                for batch_size in MODEL_BATCHES:
                    batch = np.random.default_rng(0).random((batch_size, 3, size, size), dtype=np.float32)
                    rates[(provider, f"model b{batch_size}")] = _timed_rate(partial(model.run, batch), batch_size, args.seconds)
                rates[(provider, f"end-to-end b{END_TO_END_BATCH}")] = _timed_rate(
                    partial(model.score_images, images, END_TO_END_BATCH), END_TO_END_BATCH, args.seconds)
            for (provider, what), rate in rates.items():
                anchor = rates[("cpu", what)]
                row = {"model": label, "arch": arch or DEFAULT_ARCH, "measure": what, "provider": provider,
                       "images_per_s": round(rate, 1), "anchor_cpu_images_per_s": round(anchor, 1),
                       "ratio": round(rate / anchor, 2)}
                figures.append(row)
                print(f"{label:<16} {what:<16} {provider:<5} {rate:9.0f} img/s   anchor cpu {anchor:9.0f} img/s   ratio {rate / anchor:6.2f}")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
