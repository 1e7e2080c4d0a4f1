"""`saferkit submission check`: everything wrong with a submission, before anything runs.

The files are read once, by `evaluation.submission.read_submission` in its
strict mode (archive layout, safety rules and limits, the manifest against the
schema, no code files); this check adds, naming the file or field each problem
concerns, the ONNX model (standard operator domains only, no external data, one NCHW
float32 input with a dynamic batch, names and shapes as the manifest declares,
loads in onnxruntime, a two-image smoke run within the time limit). Nothing
from the submission is imported or executed; the model only runs inside
onnxruntime.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.evaluation.placeholders import placeholder_warnings, read_readme
from saferkit.evaluation.submission import (
    MANIFEST_FILE,
    MODEL_FILE,
    STANDARD_DOMAINS,
    Problem,
    Submission,
    SubmissionError,
    read_submission,
)

SMOKE_BATCH = 2
MAX_BATCH_SECONDS = 30.0


@dataclass
class CheckResult:
    """The outcome of a check: problems (fatal), warnings (read but ignored) and facts found."""

    source: Path
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    submission: Submission | None = None
    model: Any = field(default=None, repr=False)  # the smoke run's CPU OnnxTriageModel, reused by `evaluate`

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Problem(where, message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "ok": self.ok,
            "problems": [{"where": p.where, "message": p.message} for p in self.problems],
            "warnings": [{"where": p.where, "message": p.message} for p in self.warnings],
            "info": self.info,
        }

    def raise_if_invalid(self) -> None:
        """Turn problems into one SubmissionError that lists them all."""
        if self.problems:
            raise SubmissionError.listing(self.source, self.problems)

    def valid_submission(self) -> Submission:
        """The checked submission; one SubmissionError listing every problem when there are any."""
        self.raise_if_invalid()
        if self.submission is None:  # only a check that found no problem carries it
            raise SubmissionError(f"{self.source} was not checked to the end; run `saferkit submission check`.")
        return self.submission


def _graphs(graph):
    """The graph and every subgraph inside If/Loop/Scan attributes."""
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.g is not None and attribute.HasField("g"):
                yield from _graphs(attribute.g)
            for sub in attribute.graphs:
                yield from _graphs(sub)


def _check_onnx_structure(result: CheckResult, model_bytes: bytes) -> Any:
    """Parse with onnx (protobuf only, nothing executes): domains, external data, checker."""
    import onnx
    from onnx import TensorProto

    try:
        model = onnx.load_from_string(model_bytes)
    except Exception as exc:  # protobuf decode errors have several types
        result.add(MODEL_FILE, f"is not an ONNX model ({type(exc).__name__}); export it again with torch.onnx.export or onnx.save")
        return None
    domains = {o.domain for o in model.opset_import}
    for graph in _graphs(model.graph):
        domains |= {node.domain for node in graph.node}
        for tensor in list(graph.initializer) + [a.t for n in graph.node for a in n.attribute if a.HasField("t")]:
            if tensor.data_location == TensorProto.EXTERNAL:
                result.add(MODEL_FILE, f"tensor {tensor.name!r} keeps its data in an external file; save with all weights inside (onnx.save(..., save_as_external_data=False))")
    domains |= {f.domain for f in model.functions}
    custom = sorted(d for d in domains if d not in STANDARD_DOMAINS)
    if custom:
        result.add(MODEL_FILE, f"uses non-standard operator domain(s) {', '.join(custom)}; only ai.onnx and ai.onnx.ml are allowed")
    try:
        onnx.checker.check_model(model)
    except Exception as exc:
        result.add(MODEL_FILE, f"fails the ONNX checker: {str(exc).splitlines()[0]}")
    result.info["opset"] = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    result.info["parameters"] = parameter_count(model)
    result.info["model_bytes"] = len(model_bytes)
    return model


def parameter_count(model: Any) -> int:
    """Number of weights stored in the model's initializers."""
    import numpy as np

    return int(sum(int(np.prod(tensor.dims)) if len(tensor.dims) else 1 for tensor in model.graph.initializer))


def _dims(value_info) -> list[Any]:
    shape = value_info.type.tensor_type.shape
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in shape.dim]


def _check_signature(result: CheckResult, model: Any, manifest: dict[str, Any]) -> None:
    """Input/output names, element types and shapes against the manifest."""
    from onnx import TensorProto

    spec_in = manifest.get("input") or {}
    spec_out = manifest.get("output") or {}
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        result.add(MODEL_FILE, f"has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); a submission model takes one image batch")
    match = [i for i in inputs if i.name == spec_in.get("name")]
    if not match:
        result.add(f"{MANIFEST_FILE}: input.name", f"{spec_in.get('name')!r} is not an input of {MODEL_FILE} (it has {[i.name for i in inputs]})")
    else:
        value = match[0]
        if value.type.tensor_type.elem_type != TensorProto.FLOAT:
            result.add(MODEL_FILE, f"input {value.name!r} is {TensorProto.DataType.Name(value.type.tensor_type.elem_type)}; it must be float32")
        dims = _dims(value)
        result.info["input_shape"] = dims
        if len(dims) != 4:
            result.add(MODEL_FILE, f"input {value.name!r} has rank {len(dims)}; it must be NCHW (rank 4)")
        else:
            if isinstance(dims[0], int):
                result.add(MODEL_FILE, f"input {value.name!r} has a fixed batch size {dims[0]}; export with a dynamic batch dimension")
            if isinstance(dims[1], int) and dims[1] != 3:
                result.add(MODEL_FILE, f"input {value.name!r} has {dims[1]} channels; it must take 3 (RGB)")
            for axis, key in ((2, "height"), (3, "width")):
                if isinstance(dims[axis], int) and dims[axis] != spec_in.get(key):
                    result.add(f"{MANIFEST_FILE}: input.{key}", f"is {spec_in.get(key)} but {MODEL_FILE} takes {dims[axis]}")
    outputs = {o.name: o for o in model.graph.output}
    out = outputs.get(spec_out.get("name"))
    if out is None:
        result.add(f"{MANIFEST_FILE}: output.name", f"{spec_out.get('name')!r} is not an output of {MODEL_FILE} (it has {sorted(outputs)})")
        return
    if out.type.tensor_type.elem_type not in (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16):
        result.add(MODEL_FILE, f"output {out.name!r} is not a floating-point tensor")
    dims = _dims(out)
    result.info["output_shape"] = dims
    labels = spec_out.get("labels") or []
    if len(dims) not in (1, 2):
        result.add(MODEL_FILE, f"output {out.name!r} has rank {len(dims)}; it must be (batch, labels)")
    elif len(dims) == 2 and isinstance(dims[1], int) and dims[1] != len(labels) and not (dims[1] == 1 and len(labels) == 2):
        result.add(f"{MANIFEST_FILE}: output.labels", f"lists {len(labels)} labels but output {out.name!r} has {dims[1]} columns")


def _smoke_run(result: CheckResult, submission: Submission) -> None:
    """Load in onnxruntime and score two blank images: the runner's own output checks apply."""
    import numpy as np
    from PIL import Image

    from saferkit.evaluation.runner import OnnxTriageModel

    try:
        model = OnnxTriageModel(submission, providers=["CPUExecutionProvider"], threads=1)
    except UserError as exc:
        result.add(MODEL_FILE, str(exc))
        return
    size = (int(submission.input["width"]), int(submission.input["height"]))
    noise = np.random.default_rng(0).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    images = [Image.new("RGB", size, (128, 128, 128)), Image.fromarray(noise)]
    started = time.perf_counter()
    try:
        probabilities = model.run(model.preprocess(images))
    except UserError as exc:
        result.add(MODEL_FILE, str(exc))
        return
    except Exception as exc:  # onnxruntime runtime failure on a valid-looking graph
        result.add(MODEL_FILE, f"fails to run in onnxruntime: {str(exc).splitlines()[0]}")
        return
    seconds = time.perf_counter() - started
    result.info["smoke_run_seconds"] = round(seconds, 4)
    if seconds > MAX_BATCH_SECONDS:
        result.add(MODEL_FILE, f"took {seconds:.1f} s for {SMOKE_BATCH} images; the limit is {MAX_BATCH_SECONDS:.0f} s per batch")
    result.info["smoke_output_shape"] = list(probabilities.shape)
    result.model = model


def check_submission(path: str | Path) -> CheckResult:
    """Every problem with the submission at `path` (folder or .zip); `.ok` when there are none."""
    reading = read_submission(path, strict=True)
    result = CheckResult(source=reading.source, problems=list(reading.problems), warnings=list(reading.warnings))
    if reading.names:
        result.info["files"] = list(reading.names)
    result.warnings += placeholder_warnings(reading.manifest, read_readme(path))
    model = _check_onnx_structure(result, reading.files[MODEL_FILE]) if MODEL_FILE in reading.files else None
    if model is not None and isinstance(reading.manifest, dict):
        _check_signature(result, model, reading.manifest)
    if result.problems:
        return result
    submission = reading.submission()
    _smoke_run(result, submission)
    if result.ok:
        result.submission = submission
        result.info["sha256"] = submission.sha256
        result.info["task"] = submission.task
        result.info["labels"] = submission.labels
    return result
