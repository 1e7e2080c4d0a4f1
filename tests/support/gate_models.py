"""Bad models for calibrating the ethics gate, each with one known defect, built with onnx.helper.

Each takes a working submission (the kit's baseline) or the toy colour model and
breaks exactly one property, so a test can show the gate catches that property:

- `chance_model`: a fixed random projection of the pixels; unrelated to content.
- `tempered_model`: the baseline with its log-probabilities scaled (a temperature):
  the same ranking and flags, scores that no longer mean what they say (power 0.4
  squeezes them towards 0.5; the baseline is already a little underconfident, so
  sharpening it, power > 1, would improve its calibration instead).
- `fragile_model`: the baseline whose scores flip when the image's fine detail
  (mean absolute difference from a 3x3 local mean) falls below what clean images show:
  right on clean images, wrong after a mild resize or blur.
- the palette shortcut is the toy 'red' model of tests/support/toy_submissions.py.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 18


def _finish(graph: onnx.GraphProto, opset: int = OPSET) -> bytes:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def chance_model(input_name: str, output_name: str, size: int, seed: int = 0) -> bytes:
    """Scores from a fixed random projection of the pixels: at chance on any labelled set."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(0, 1, (3 * size * size, 2)).astype(np.float32) / np.float32(np.sqrt(3 * size * size) / 4)
    x = helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", 3, size, size])
    y = helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch", 2])
    nodes = [
        helper.make_node("Flatten", [input_name], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "projection"], ["logits"]),
        helper.make_node("Softmax", ["logits"], [output_name], axis=1),
    ]
    return _finish(helper.make_graph(nodes, "chance", [x], [y], initializer=[numpy_helper.from_array(weights, "projection")]))


def _rewire(model_bytes: bytes) -> tuple[onnx.ModelProto, str, str, str]:
    """The model with its output renamed to 'base_probabilities', and (input, output, new inner) names."""
    model = onnx.load_from_string(model_bytes)
    graph = model.graph
    input_name, output_name = graph.input[0].name, graph.output[0].name
    for node in graph.node:
        node.output[:] = ["gate_base_probabilities" if name == output_name else name for name in node.output]
    return model, input_name, output_name, "gate_base_probabilities"


def _opset(model: onnx.ModelProto) -> int:
    return max(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx"))


def tempered_model(model_bytes: bytes, power: float) -> bytes:
    """Probabilities p_i ** power renormalised: power > 1 pushes scores to 0 and 1, < 1 towards 0.5."""
    model, _, output_name, inner = _rewire(model_bytes)
    floor = numpy_helper.from_array(np.array(1e-12, dtype=np.float32), "gate_tiny")
    power_tensor = numpy_helper.from_array(np.array(power, dtype=np.float32), "gate_power")
    model.graph.initializer.extend([floor, power_tensor])
    model.graph.node.extend([
        helper.make_node("Max", [inner, "gate_tiny"], ["gate_floored"]),
        helper.make_node("Log", ["gate_floored"], ["gate_log_probabilities"]),
        helper.make_node("Mul", ["gate_log_probabilities", "gate_power"], ["gate_sharpened"]),
        helper.make_node("Softmax", ["gate_sharpened"], [output_name], axis=1),
    ])
    onnx.checker.check_model(model)
    return model.SerializeToString()


def power_threshold(threshold: float, power: float) -> float:
    """The threshold that flags the same items after `tempered_model(..., power)`."""
    high, low = threshold**power, (1 - threshold) ** power
    return float(high / (high + low))


def detail_level(batch: np.ndarray) -> np.ndarray:
    """What `fragile_model` gates on, per image of a preprocessed NCHW batch (NumPy twin of the graph)."""
    padded = np.pad(batch, ((0, 0), (0, 0), (1, 1), (1, 1)))
    local = sum(padded[:, :, i : i + batch.shape[2], j : j + batch.shape[3]] for i in range(3) for j in range(3)) / 9.0
    return np.abs(batch - local)[:, :, 1:-1, 1:-1].mean(axis=(1, 2, 3))


def fragile_model(model_bytes: bytes, floor: float, sharpness: float = 400.0) -> bytes:
    """The model's scores where detail_level >= floor, reversed (1 - p) below it."""
    model, input_name, output_name, inner = _rewire(model_bytes)
    constants = {
        "gate_pool_pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64),
        "gate_inner_starts": np.array([1, 1], dtype=np.int64), "gate_inner_ends": np.array([-1, -1], dtype=np.int64),
        "gate_inner_axes": np.array([2, 3], dtype=np.int64), "gate_mean_axes": np.array([1, 2, 3], dtype=np.int64),
        "gate_detail_floor": np.array(floor, dtype=np.float32), "gate_sharpness": np.array(sharpness, dtype=np.float32),
        "gate_one": np.array(1.0, dtype=np.float32), "gate_one_axis": np.array([1], dtype=np.int64),
    }
    model.graph.initializer.extend(numpy_helper.from_array(value, name) for name, value in constants.items())
    model.graph.node.extend([
        helper.make_node("Pad", [input_name, "gate_pool_pads"], ["gate_padded"]),
        helper.make_node("AveragePool", ["gate_padded"], ["gate_local_mean"], kernel_shape=[3, 3], strides=[1, 1]),
        helper.make_node("Sub", [input_name, "gate_local_mean"], ["gate_residual"]),
        helper.make_node("Abs", ["gate_residual"], ["gate_magnitude"]),
        helper.make_node("Slice", ["gate_magnitude", "gate_inner_starts", "gate_inner_ends", "gate_inner_axes"], ["gate_inner"]),
        helper.make_node("ReduceMean", ["gate_inner", "gate_mean_axes"], ["gate_detail"], keepdims=0),
        helper.make_node("Sub", ["gate_detail", "gate_detail_floor"], ["gate_above"]),
        helper.make_node("Mul", ["gate_above", "gate_sharpness"], ["gate_logit"]),
        helper.make_node("Sigmoid", ["gate_logit"], ["gate_flat"]),
        helper.make_node("Unsqueeze", ["gate_flat", "gate_one_axis"], ["gate_gate"]),  # (N, 1)
        helper.make_node("Sub", ["gate_one", "gate_gate"], ["gate_flip"]),
        helper.make_node("Mul", [inner, "gate_gate"], ["gate_kept"]),
        helper.make_node("Sub", ["gate_one", inner], ["gate_reversed"]),
        helper.make_node("Mul", ["gate_reversed", "gate_flip"], ["gate_flipped"]),
        helper.make_node("Add", ["gate_kept", "gate_flipped"], [output_name]),
    ])
    onnx.checker.check_model(model)
    return model.SerializeToString()
