"""Small hand-built ONNX models, submissions around them, and synthetic data for the evaluation tests.

The models are a few nodes built with onnx.helper: fast to build and run, and
each one shows one behaviour (a colour-biased scorer, NaN output, a wrong
shape, raw scores declared as probabilities, a custom operator domain).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import onnx
import pytest
import yaml
from onnx import TensorProto, helper, numpy_helper

from saferkit.datasets.provenance import provenance_sha256

SIZE = 32


def colour_model(weights, bias, *, kind: str = "probabilities", outputs: int = 2, extra: str | None = None, fixed_batch: bool = False) -> onnx.ModelProto:
    """Mean colour per channel -> linear layer -> softmax (or raw logits).

    `weights` is (3, outputs). `extra` breaks the model on purpose: 'nan', 'custom-domain', 'external'.
    """
    batch = 4 if fixed_batch else "batch"
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 3, SIZE, SIZE])
    scores = helper.make_tensor_value_info("scores", TensorProto.FLOAT, [batch, outputs])
    w = numpy_helper.from_array(np.asarray(weights, dtype=np.float32).reshape(3, outputs), "w")
    b = numpy_helper.from_array(np.asarray(bias, dtype=np.float32).reshape(outputs), "b")
    nodes = [
        helper.make_node("GlobalAveragePool", ["image"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["features"]),
        helper.make_node("MatMul", ["features", "w"], ["linear"]),
        helper.make_node("Add", ["linear", "b"], ["logits"]),
    ]
    initializers = [w, b]
    last = "logits"
    if extra == "nan":
        initializers.append(numpy_helper.from_array(np.array([np.nan], dtype=np.float32), "nan"))
        nodes.append(helper.make_node("Mul", [last, "nan"], ["poisoned"]))
        last = "poisoned"
    if extra == "dark-nan":  # NaN only for very dark inputs: sqrt(mean + 1) of the normalised pixels
        initializers += [numpy_helper.from_array(np.array([1.0], np.float32), "one"), numpy_helper.from_array(np.array([0.0], np.float32), "zero")]
        nodes += [
            helper.make_node("ReduceMean", ["features"], ["brightness"], axes=[1], keepdims=1),
            helper.make_node("Add", ["brightness", "one"], ["shifted"]),
            helper.make_node("Sqrt", ["shifted"], ["guard"]),
            helper.make_node("Mul", ["guard", "zero"], ["nothing"]),
            helper.make_node("Add", [last, "nothing"], ["guarded"]),
        ]
        last = "guarded"
    if extra == "custom-domain":
        nodes.append(helper.make_node("Secret", [last], ["custom"], domain="com.example.custom"))
        last = "custom"
    nodes.append(helper.make_node("Softmax", [last], ["scores"], axis=1) if kind == "probabilities" else helper.make_node("Identity", [last], ["scores"]))
    graph = helper.make_graph(nodes, "colour", [image], [scores], initializers)
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid("com.example.custom", 1)] if extra == "custom-domain" else [])
    model = helper.make_model(graph, opset_imports=opsets, producer_name="saferkit-tests")
    model.ir_version = 8
    if extra == "external":
        tensor = model.graph.initializer[0]
        tensor.data_location = TensorProto.EXTERNAL
        entry = tensor.external_data.add()
        entry.key, entry.value = "location", "weights.bin"
        tensor.ClearField("raw_data")
    return model


BLUE_WEIGHTS = [[0.0, -3.0], [0.0, 0.0], [0.0, 3.0]]  # positive logit grows with blue minus red


def manifest(**changes) -> dict:
    """A valid binary submission.yaml for a 32 px colour model; keyword arguments replace top-level fields."""
    base = {
        "schema_version": 1,
        "name": "colour-test",
        "version": "1.0.0",
        "team": {"name": "tests", "contact": "tests@example.org"},
        "license": "Apache-2.0",
        "task": "binary-triage",
        "input": {"name": "image", "height": SIZE, "width": SIZE, "color": "RGB", "scale": 255.0, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "resize": "bilinear", "letterbox": False},
        "output": {"name": "scores", "kind": "probabilities", "labels": ["negative", "positive"], "positive_label": "positive"},
        "operating_point": {"threshold": 0.5, "chosen_for": "tests"},
        "claims": {"roc_auc": 0.99},
        "training_data": [{"name": "synthetic", "content": "synthetic", "license": "CC0-1.0", "provenance_sha256": "0" * 64}],
        "model_card": {k: "test text" for k in ("intended_use", "out_of_scope_uses", "limitations", "domain_gap", "ethical_considerations", "human_oversight", "contestability")},
        "ethics": {},
    }
    base.update(changes)
    return base


def write_submission(folder: Path, model: onnx.ModelProto, manifest_dict: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").write_bytes(model.SerializeToString())
    (folder / "submission.yaml").write_text(yaml.safe_dump(manifest_dict or manifest(), sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def spurious_data(tmp_path_factory) -> Path:
    """A small synthetic set where, in train, palette b goes with positives (test_balanced/conflicting added)."""
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate

    root = tmp_path_factory.mktemp("data") / "spurious"
    generate(root, make_config(n=900, seed=3, size=SIZE, spurious=["palette=b:0.95"]), workers=1)
    return root


@pytest.fixture(scope="session")
def trained_biased_submission(tmp_path_factory, spurious_data) -> Path:
    """A logistic regression on mean colour, trained on the spurious train split and exported as ONNX."""
    from PIL import Image
    from sklearn.linear_model import LogisticRegression

    from saferkit.datasets import load_dataset

    frame = load_dataset(spurious_data)
    train = frame[frame["split"] == "train"]
    features = np.stack([np.asarray(Image.open(p).convert("RGB"), dtype=np.float32).mean(axis=(0, 1)) / 255.0 for p in train["abspath"]])
    features = (features - 0.5) / 0.25  # the manifest's normalisation, so the weights apply to the model's input
    fit = LogisticRegression(C=10.0).fit(features, train["flag"].astype(int))
    weights = np.stack([-fit.coef_[0] / 2, fit.coef_[0] / 2], axis=1)
    bias = np.array([-fit.intercept_[0] / 2, fit.intercept_[0] / 2])
    m = manifest(name="biased-colour", training_data=[{"name": "spurious", "content": "synthetic", "license": "CC0-1.0", "provenance_sha256": provenance_sha256(spurious_data)}])
    return write_submission(tmp_path_factory.mktemp("subs") / "biased", colour_model(weights, bias), m)


@pytest.fixture
def make_submission(tmp_path):
    """Build a submission folder from a model and manifest changes."""

    def build(model=None, name: str = "sub", **manifest_changes) -> Path:
        return write_submission(tmp_path / name, model or colour_model(BLUE_WEIGHTS, [0, 0]), manifest(**manifest_changes))

    return build


@pytest.fixture
def edit_manifest():
    def edit(path_dict: dict, dotted: str, value) -> dict:
        out = copy.deepcopy(path_dict)
        parts = dotted.split(".")
        target = out
        for part in parts[:-1]:
            target = target[part]
        target[parts[-1]] = value
        return out

    return edit


@pytest.fixture
def run_cli():
    """Run `python -m saferkit ...` in a subprocess, as a user would."""
    import subprocess
    import sys

    def run(*args: str, timeout: float = 300):
        return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True, timeout=timeout)

    return run


@pytest.fixture(scope="session")
def kit():
    """The model and manifest builders above, for test modules (importlib mode cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(colour_model=colour_model, manifest=manifest, write_submission=write_submission, BLUE_WEIGHTS=BLUE_WEIGHTS)


def tiny_data(root: Path, per_split: dict[str, tuple[int, int]], provenance: bool = True) -> Path:
    """A hand-made data folder: grey 32 px images with a blue (positive) or red (negative) square.

    `per_split` maps split -> (positives, negatives). Used for the invalid-data cases and the
    robustness test, where the images' brightness must be controlled.
    """
    import csv
    import json

    from PIL import Image, ImageDraw

    (root / "images").mkdir(parents=True)
    rows = []
    rng = np.random.default_rng(0)
    for split, (positives, negatives) in per_split.items():
        for i in range(positives + negatives):
            flag = int(i < positives)
            image = Image.new("RGB", (SIZE, SIZE), (128, 128, 128))
            x, y = (int(v) for v in rng.integers(2, SIZE - 14, 2))
            ImageDraw.Draw(image).rectangle((x, y, x + 12, y + 12), fill=(40, 60, 220) if flag else (220, 60, 40))
            name = f"images/{split}_{i:04d}.png"
            image.save(root / name)
            rows.append({"path": name, "split": split, "flag": flag, "category": ("star", "ring")[i % 2] if flag else "none",
                         "palette": "abc"[i % 3], "lighting": "normal", "background": "plain", "device": "hq", "scale": "medium", "occlusion": "none", "seed": i})
    with open(root / "manifest.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    if provenance:
        record = {"content": "synthetic", "source": "test squares drawn by the evaluation tests", "license": "CC0-1.0", "permitted_by": "the saferkit tests",
                  "attestation": {"no_sexual_or_abuse_material": True, "no_identifiable_children": True}}
        (root / "provenance.json").write_text(json.dumps(record), encoding="utf-8")
    return root


@pytest.fixture
def make_data(tmp_path):
    def build(name: str = "data", provenance: bool = True, **per_split) -> Path:
        return tiny_data(tmp_path / name, per_split or {"test": (40, 40)}, provenance)

    return build
