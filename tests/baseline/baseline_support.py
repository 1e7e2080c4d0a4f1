"""Helpers for baseline tests: a tiny, easy, deterministic image set (shapes on noise, no people).

Positives carry a bright cross marker; negatives only distractor squares. Written
with a manifest.csv and a provenance.json that pass the kit's provenance gate.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from saferkit.datasets.manifest import ATTRIBUTES, CATEGORIES, MANIFEST_COLUMNS, NEGATIVE_CATEGORY

PROVENANCE = {
    "name": "baseline-test-shapes",
    "content": "synthetic",
    "source": "tests/baseline/tinydata.py (procedural crosses and squares)",
    "license": "Apache-2.0",
    "permitted_by": "saferkit test suite",
    "attestation": {"no_sexual_or_abuse_material": True, "no_identifiable_children": True},
}


def _scene(rng: np.random.Generator, size: int, positive: bool) -> np.ndarray:
    image = rng.integers(40, 110, size=(size, size, 3)).astype(np.uint8)
    for _ in range(2):
        x, y = rng.integers(0, size - 6, size=2)
        image[y : y + 5, x : x + 5] = rng.integers(0, 256, size=3)
    if positive:
        c = int(size * 0.15)
        x, y = rng.integers(c, size - c, size=2)
        image[y - c : y + c + 1, x - 1 : x + 2] = (250, 240, 40)
        image[y - 1 : y + 2, x - c : x + c + 1] = (250, 240, 40)
    return image


def make_dataset(root: Path, counts: dict[str, int] | None = None, size: int = 32, seed: int = 0,
                 provenance: bool = True) -> Path:
    """Write `counts` images per split (half positive) into `root`; returns root."""
    counts = counts or {"train": 64, "val": 32, "test": 16}
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for split, n in counts.items():
        folder = root / "images" / split
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            flag = i % 2
            name = f"images/{split}/{i:05d}.png"
            Image.fromarray(_scene(rng, size, bool(flag))).save(root / name)
            row = {"path": name, "split": split, "flag": flag,
                   "category": CATEGORIES[1] if flag else NEGATIVE_CATEGORY, "seed": seed * 100000 + i}
            row.update({attr: values[i % len(values)] for attr, values in ATTRIBUTES.items()})
            rows.append(row)
    with open(root / "manifest.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(MANIFEST_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    (root / "DATASHEET.md").write_text("# Datasheet\n\nTest shapes: crosses on noise. No people.\n")
    if provenance:
        (root / "provenance.json").write_text(json.dumps(PROVENANCE, indent=2))
    return root


REPO_PARENT = str(Path(__file__).resolve().parents[3])
TINY = {"epochs": 3, "batch_size": 16, "img_size": 32, "workers": 1}


def tiny_config(**overrides):
    """A TrainConfig small enough for tests (imports torch-free config only)."""
    from saferkit.baseline.config import TrainConfig

    return TrainConfig(**{**TINY, "log_model": False, **overrides})


def quiet_console():
    from rich.console import Console

    return Console(quiet=True)


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `python -m saferkit ARGS` with this checkout importable."""
    env = {**os.environ, "PYTHONPATH": REPO_PARENT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)
