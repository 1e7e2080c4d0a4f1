"""Static INT8 quantisation with onnxruntime, calibrated on val images.

INT8 is not automatically better: on many CPUs the QDQ graph is no faster than
float32, and it can cost accuracy. So export measures both models' val ROC-AUC
and latency, keeps INT8 only when the AUC drop is within MAX_AUC_DROP, and
reports the timings either way.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from saferkit.baseline.config import INPUT_NAME, OUTPUT_NAME
from saferkit.core.errors import UserError

MAX_AUC_DROP = 0.005
CALIBRATION_IMAGES = 256
LATENCY_REPEATS = 30
THROUGHPUT_BATCH = 32


class _ArrayReader(CalibrationDataReader):
    """Feeds calibration batches to onnxruntime's calibrator."""

    def __init__(self, images: np.ndarray, batch_size: int = 16) -> None:
        self._batches = [images[i : i + batch_size] for i in range(0, len(images), batch_size)]
        self._next = 0

    def get_next(self):
        if self._next >= len(self._batches):
            return None
        batch = self._batches[self._next]
        self._next += 1
        return {INPUT_NAME: batch}

    def rewind(self) -> None:
        self._next = 0


def quantize_int8(model_bytes: bytes, calibration: np.ndarray) -> bytes:
    """Static QDQ INT8 (per-channel weights, MinMax calibration) of a float32 model."""
    if len(calibration) == 0:
        raise UserError("INT8 calibration needs val images, and the val split is empty.")
    # The softmax stays float32 so the output rows still sum to 1 (a quantised
    # softmax is off by up to 1/255 per class, which the runner rightly refuses).
    import onnx

    float_ops = [node.name for node in onnx.load_from_string(model_bytes).graph.node if node.op_type == "Softmax"]
    reader = _ArrayReader(np.ascontiguousarray(calibration[:CALIBRATION_IMAGES], dtype=np.float32))
    with tempfile.TemporaryDirectory(prefix="saferkit-int8-") as scratch:
        source, prepared, target = (Path(scratch) / name for name in ("fp32.onnx", "prep.onnx", "int8.onnx"))
        source.write_bytes(model_bytes)
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(target),
            reader,
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=float_ops,
        )
        return target.read_bytes()


@dataclass
class Latency:
    """Median milliseconds per image at batch 1, and images/s at THROUGHPUT_BATCH."""

    ms_batch1: float
    images_per_s: float

    def as_dict(self) -> dict:
        return {"ms_batch1": round(self.ms_batch1, 3), f"images_per_s_batch{THROUGHPUT_BATCH}": round(self.images_per_s, 1)}


def measure_latency(model_bytes: bytes, img_size: int, threads: int | None = None) -> Latency:
    """Time a CPU onnxruntime session on random inputs (same settings for every model compared)."""
    from saferkit.baseline.onnx_export import ort_session

    session = ort_session(model_bytes, threads)
    rng = np.random.default_rng(0)
    one = rng.standard_normal((1, 3, img_size, img_size), dtype=np.float32)
    many = rng.standard_normal((THROUGHPUT_BATCH, 3, img_size, img_size), dtype=np.float32)
    for batch in (one, many):
        session.run([OUTPUT_NAME], {INPUT_NAME: batch})
    singles = []
    for _ in range(LATENCY_REPEATS):
        started = time.perf_counter()
        session.run([OUTPUT_NAME], {INPUT_NAME: one})
        singles.append(time.perf_counter() - started)
    started = time.perf_counter()
    rounds = max(3, LATENCY_REPEATS // 6)
    for _ in range(rounds):
        session.run([OUTPUT_NAME], {INPUT_NAME: many})
    per_batch = (time.perf_counter() - started) / rounds
    return Latency(ms_batch1=float(np.median(singles) * 1000), images_per_s=THROUGHPUT_BATCH / per_batch)
