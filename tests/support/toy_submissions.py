"""Tiny, fully specified ONNX triage models for tests (no training, no torch).

`red` scores an image by how much redder than green and blue it is on average:
the score is predictable from the pixels, so tests can assert exact behaviour.
`nan` outputs NaN, `unnormalised` emits values that are not probabilities.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import yaml
from onnx import TensorProto, helper, numpy_helper

OPSET = 18


def _graph(kind: str, input_name: str, output_name: str) -> onnx.GraphProto:
    x = helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", 3, "height", "width"])
    y = helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch", 2])
    inits = [
        numpy_helper.from_array(np.array([-4.0, 4.0], dtype=np.float32).reshape(1, 2), "gain"),
        numpy_helper.from_array(np.array([1.0, -0.5, -0.5], dtype=np.float32).reshape(1, 3), "mix"),
        numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "hw_axes"),
    ]
    nodes = [
        helper.make_node("ReduceMean", [input_name, "hw_axes"], ["channel_means"], keepdims=0),  # (N, 3)
        helper.make_node("Mul", ["channel_means", "mix"], ["weighted"]),
        helper.make_node("ReduceSum", ["weighted", "one_axis"], ["redness"], keepdims=1),  # (N, 1)
        helper.make_node("Mul", ["redness", "gain"], ["logits"]),  # (N, 2)
    ]
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "one_axis"))
    if kind == "red":
        nodes.append(helper.make_node("Softmax", ["logits"], [output_name], axis=1))
    elif kind == "red-logits":
        nodes.append(helper.make_node("Identity", ["logits"], [output_name]))
    elif kind == "nan":
        inits.append(numpy_helper.from_array(np.array([np.nan], dtype=np.float32), "nan"))
        nodes.append(helper.make_node("Mul", ["logits", "nan"], [output_name]))
    elif kind == "unnormalised":
        inits.append(numpy_helper.from_array(np.array([3.0], dtype=np.float32), "three"))
        nodes.append(helper.make_node("Add", ["logits", "three"], [output_name]))
    else:
        raise ValueError(f"unknown toy model kind {kind!r}")
    return helper.make_graph(nodes, f"toy_{kind}", [x], [y], initializer=inits)


def toy_model_bytes(kind: str = "red", input_name: str = "images", output_name: str = "scores") -> bytes:
    """Serialized ONNX model of the given kind, checked by onnx.checker."""
    model = helper.make_model(_graph(kind, input_name, output_name), opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def toy_manifest(**overrides: Any) -> dict[str, Any]:
    """A complete, schema-valid submission.yaml for the toy model; overrides replace top-level keys."""
    manifest: dict[str, Any] = {
        "schema_version": 1,
        "name": "toy-red",
        "version": "1.0.0",
        "team": {"name": "Test team", "contact": "team@example.org"},
        "license": "Apache-2.0",
        "task": "binary-triage",
        "input": {"name": "images", "height": 32, "width": 32, "color": "RGB", "scale": 255.0,
                  "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0], "resize": "bilinear", "letterbox": False},
        "output": {"name": "scores", "kind": "probabilities", "labels": ["clear", "review"], "positive_label": "review"},
        "operating_point": {"threshold": 0.5, "chosen_for": "recall>=0.95 on val"},
        "claims": {"roc_auc": 0.9},
        "training_data": [{"name": "synthetic-scenes", "content": "synthetic", "license": "CC0-1.0",
                           "provenance_sha256": "0" * 64}],
        "model_card": {key: f"Toy model {key.replace('_', ' ')}: scores redness; for tests only."
                       for key in ("intended_use", "out_of_scope_uses", "limitations", "domain_gap",
                                   "ethical_considerations", "human_oversight", "contestability")},
        "ethics": {},
    }
    manifest.update(overrides)
    return manifest


def write_toy_submission(folder: Path, kind: str = "red", **manifest_overrides: Any) -> Path:
    """Write model.onnx and submission.yaml into `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = toy_manifest(**manifest_overrides)
    if kind == "red-logits":
        manifest["output"] = {**manifest["output"], "kind": "logits"}
    (folder / "model.onnx").write_bytes(toy_model_bytes(kind, manifest["input"]["name"], manifest["output"]["name"]))
    (folder / "submission.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return folder
