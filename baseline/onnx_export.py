"""PyTorch -> ONNX with the softmax in the graph, checked for parity before anyone relies on it.

The exported graph takes NCHW float32 images with a dynamic batch axis and
returns probabilities. Parity is not advisory: if onnx.checker rejects the model,
or onnxruntime and PyTorch disagree by more than PARITY_TOLERANCE on the check
images, export stops with an error.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import onnx
import torch
from torch import nn

from saferkit.baseline.config import INPUT_NAME, OUTPUT_NAME
from saferkit.baseline.models import WithSoftmax
from saferkit.core.errors import UserError
from saferkit.evaluation.submission import STANDARD_DOMAINS

OPSET = 18
PARITY_TOLERANCE = 1e-4
PARITY_IMAGES = 64


class ExportError(UserError):
    """The exported model failed a check; nothing was written."""

    exit_code = 4


@dataclass
class ParityReport:
    """How the ONNX model compared with PyTorch on the check images."""

    images: int
    max_abs_diff: float
    batch_sizes_checked: tuple[int, ...]

    def as_dict(self) -> dict:
        return {"images": self.images, "max_abs_diff": self.max_abs_diff,
                "tolerance": PARITY_TOLERANCE, "batch_sizes_checked": list(self.batch_sizes_checked)}


def export_onnx(model: nn.Module, img_size: int, views: int = 1) -> bytes:
    """Serialise `model` (logits) with a softmax on top (averaged over `views` turns and mirrors);
    weights inside, batch axis dynamic."""
    wrapped = WithSoftmax(model, views).eval().cpu()
    example = torch.zeros(2, 3, img_size, img_size)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            wrapped,
            (example,),
            dynamo=True,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            opset_version=OPSET,
            external_data=False,
            verbose=False,
        )
    if program is None:  # only the legacy exporter (dynamo=False) returns None
        raise ExportError("torch.onnx.export returned no ONNX program; nothing was written.")
    proto = program.model_proto
    proto.producer_name = "saferkit-baseline"
    return proto.SerializeToString()


def check_onnx(model_bytes: bytes) -> onnx.ModelProto:
    """onnx.checker plus the contract's shape rules; raises ExportError on any breach."""
    proto = onnx.load_from_string(model_bytes)
    try:
        onnx.checker.check_model(proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise ExportError(f"the exported model failed onnx.checker: {exc}") from None
    domains = {opset.domain for opset in proto.opset_import} - STANDARD_DOMAINS
    if domains:
        raise ExportError(f"the exported model uses non-standard operator domains {sorted(domains)}.")
    inputs = [i for i in proto.graph.input if i.name not in {init.name for init in proto.graph.initializer}]
    if len(inputs) != 1 or len(proto.graph.output) != 1:
        raise ExportError("the exported model must have exactly one input and one output.")
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) != 4 or not dims[0].dim_param or dims[0].dim_value:
        raise ExportError("the exported model's input is not NCHW with a dynamic batch axis.")
    if inputs[0].type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
        raise ExportError("the exported model's input is not float32.")
    return proto


def ort_session(model_bytes: bytes, threads: int | None = None):
    """A CPU onnxruntime session for checks and timings."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(model_bytes, sess_options=options, providers=["CPUExecutionProvider"])


def check_parity(model: nn.Module, model_bytes: bytes, images: torch.Tensor, views: int = 1) -> ParityReport:
    """Compare onnxruntime with PyTorch on `images` (normalised NCHW); ExportError past tolerance."""
    images = images[:PARITY_IMAGES].float().cpu().contiguous()
    if len(images) == 0:
        raise ExportError("no images to check ONNX parity with; the val split is empty.")
    with torch.inference_mode():
        expected = WithSoftmax(model, views).eval().cpu()(images).numpy()
    session = ort_session(model_bytes)
    got_full = session.run([OUTPUT_NAME], {INPUT_NAME: images.numpy()})[0]
    got_one = session.run([OUTPUT_NAME], {INPUT_NAME: images[:1].numpy()})[0]
    if got_full.shape != expected.shape or got_one.shape != (1, expected.shape[1]):
        raise ExportError(
            f"onnxruntime returned shape {got_full.shape} (and {got_one.shape} for one image) where PyTorch "
            f"returned {expected.shape}; the batch axis is not dynamic."
        )
    diff = float(max(np.abs(got_full - expected).max(), np.abs(got_one - expected[:1]).max()))
    if not np.isfinite(diff) or diff > PARITY_TOLERANCE:
        raise ExportError(
            f"ONNX parity check failed: onnxruntime and PyTorch differ by up to {diff:.3g} on {len(images)} "
            f"val images (limit {PARITY_TOLERANCE:g}); the model was not written."
        )
    return ParityReport(images=len(images), max_abs_diff=diff, batch_sizes_checked=(len(images), 1))
