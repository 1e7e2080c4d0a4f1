"""Fixtures for the round tests: a small synthetic test set and mean-colour ONNX submissions with chosen weights.

Different weights give models of different quality on the same items, which is
what a paired comparison and a board need; the models are a few onnx.helper
nodes, data only, like real submissions.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnx
import pytest
import yaml
from onnx import TensorProto, helper, numpy_helper

SIZE = 32


def colour_model(weights, bias=(0.0, 0.0)) -> onnx.ModelProto:
    """Mean colour per channel -> linear (3 x 2) -> softmax."""
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, SIZE, SIZE])
    scores = helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 2])
    inits = [numpy_helper.from_array(np.asarray(weights, np.float32).reshape(3, 2), "w"),
             numpy_helper.from_array(np.asarray(bias, np.float32).reshape(2), "b")]
    nodes = [helper.make_node("GlobalAveragePool", ["image"], ["pooled"]), helper.make_node("Flatten", ["pooled"], ["features"]),
             helper.make_node("MatMul", ["features", "w"], ["linear"]), helper.make_node("Add", ["linear", "b"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["scores"], axis=1)]
    model = helper.make_model(helper.make_graph(nodes, "colour", [image], [scores], inits), opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def manifest(name: str, team: str, version: str = "1.0.0") -> dict:
    return {
        "schema_version": 1, "name": name, "version": version,
        "team": {"name": team, "contact": f"{team.replace(' ', '-')}@teams.invalid"}, "license": "Apache-2.0", "task": "binary-triage",
        "input": {"name": "image", "height": SIZE, "width": SIZE, "color": "RGB", "scale": 255.0, "mean": [0.5, 0.5, 0.5],
                  "std": [0.25, 0.25, 0.25], "resize": "bilinear", "letterbox": False},
        "output": {"name": "scores", "kind": "probabilities", "labels": ["negative", "positive"], "positive_label": "positive"},
        "operating_point": {"threshold": 0.5, "chosen_for": "tests"}, "claims": {"roc_auc": 0.6},
        "training_data": [{"name": "synthetic", "content": "synthetic", "license": "CC0-1.0", "provenance_sha256": "0" * 64}],
        "model_card": {k: f"A mean-colour scorer for the round tests ({k})." for k in ("intended_use", "out_of_scope_uses", "limitations",
                       "domain_gap", "ethical_considerations", "human_oversight", "contestability")},
        "ethics": {},
    }


def write_submission(folder: Path, weights, name: str = "colour", team: str = "team-a", version: str = "1.0.0") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").write_bytes(colour_model(weights).SerializeToString())
    (folder / "submission.yaml").write_text(yaml.safe_dump(manifest(name, team, version), sort_keys=False), encoding="utf-8")
    return folder


# Two scorers that differ in quality on synthetic scenes; the weights were picked to give distinct, imperfect AUCs.
WEIGHTS = {
    "blue": [[0.0, -2.0], [0.0, 0.0], [0.0, 2.0]],
    "blue-half": [[0.0, -1.0], [0.0, 0.0], [0.0, 1.0]],  # the same ranking as blue: never distinguishable from it
    "blue-tilt": [[0.0, -2.0], [0.0, 0.3], [0.0, 2.0]],  # close to blue: not separable on a few hundred items
    "green": [[0.0, 0.0], [0.0, 2.0], [0.0, 0.0]],
    "red": [[0.0, 2.0], [0.0, 0.0], [0.0, -2.0]],
}


def square_data(root: Path, n: int = 300, seed: int = 0, separation: float = 1.2) -> Path:
    """Grey images with one coloured square whose blue-minus-red leans positive for flagged items, with noise.

    A mean-colour model that reads blue-minus-red ranks these well but not perfectly; one that reads mostly
    green (noise plus a little signal) ranks them worse: two models that really differ on the same items.
    """
    import csv
    import json

    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    rows = []
    for i in range(n):
        flag = int(i % 2 == 0)
        signal = flag * separation + rng.normal()
        green = 128 + 50 * rng.normal() + 15 * signal
        colour = tuple(int(np.clip(v, 0, 255)) for v in (128 - 35 * signal, green, 128 + 35 * signal))
        image = Image.new("RGB", (SIZE, SIZE), (128, 128, 128))
        ImageDraw.Draw(image).rectangle((6, 6, 25, 25), fill=colour)
        name = f"images/test_{i:04d}.png"
        image.save(root / name)
        rows.append({"path": name, "split": "test", "flag": flag, "category": "star" if flag else "none", "palette": "abc"[i % 3],
                     "lighting": "normal", "background": "plain", "device": "hq", "scale": "medium", "occlusion": "none", "seed": i})
    with open(root / "manifest.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    record = {"content": "synthetic", "source": f"coloured squares drawn by the round tests (seed {seed}, {n} items)", "license": "CC0-1.0",
              "permitted_by": "the saferkit tests", "attestation": {"no_sexual_or_abuse_material": True, "no_identifiable_children": True}}
    (root / "provenance.json").write_text(json.dumps(record), encoding="utf-8")
    return root


def synth(root: Path, n: int = 400, seed: int = 1) -> Path:
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate

    generate(root, make_config(n=n, seed=seed, size=SIZE, splits="train=0.5,test=0.5"), workers=1)
    return root


def round_yaml(folder: Path, name: str = "board", per_day: int = 3, total: int = 5, n: int = 60, baseline: Path | None = None) -> Path:
    """A small round file (development open 2027-01-10..2027-02-06, final 2027-02-07..2027-02-13) in `folder`."""
    data = {
        "schema_version": 1, "name": name, "title": f"{name} round",
        "profile": {"name": "default", "version": "1"},
        "ranking": {"metric": "roc_auc", "rule": "paired-leader-group", "resamples": 100},
        "limits": {"per_day": per_day, "total": total},
        "baselines": [{"name": "kit baseline", "submission": baseline.name}] if baseline else [],
        "phases": {
            "development": {"opens": "2027-01-10", "closes": "2027-02-06", "board": "public",
                            "data": {"n": n, "size": SIZE, "seed": 101, "shares": {"device": {"hq": 0.5, "mid": 0.5, "low": 0.0}}}},
            "final": {"opens": "2027-02-07", "closes": "2027-02-13", "board": "private", "shift": "camera conditions",
                      "data": {"n": n, "size": SIZE, "seed": 987654321, "held_out": {"shares": {"device": {"hq": 0.2, "mid": 0.2, "low": 0.6}}}}},
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "round.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder / "round.yaml"


@pytest.fixture(scope="session")
def test_data(tmp_path_factory) -> Path:
    return square_data(tmp_path_factory.mktemp("round-data") / "d")


@pytest.fixture(scope="session")
def rk():
    """The builders above, for test modules (importlib mode cannot import conftest)."""
    return SimpleNamespace(write_submission=write_submission, square_data=square_data, WEIGHTS=WEIGHTS, synth=synth, colour_model=colour_model, manifest=manifest,
                           round_yaml=round_yaml)


@pytest.fixture
def run_cli():
    import subprocess
    import sys

    def run(*args: str, timeout: float = 300, cwd: Path | None = None):
        return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)

    return run
