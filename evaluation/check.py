"""`saferkit submission check`: everything wrong with a submission, before anything runs.

Unlike `load_submission`, which stops at the first reason it cannot read a
submission, this check collects every problem, each naming the file or field
it concerns: archive layout and limits, the manifest against the schema, and
the ONNX model (standard operator domains only, no external data, one NCHW
float32 input with a dynamic batch, names and shapes as the manifest declares,
loads in onnxruntime, a two-image smoke run within the time limit). Nothing
from the submission is imported or executed; the model only runs inside
onnxruntime.
"""

from __future__ import annotations

import stat
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from saferkit.core.errors import UserError
from saferkit.evaluation.submission import (
    MANIFEST_FILE,
    MAX_ARCHIVE_BYTES,
    MAX_FILES,
    MAX_MANIFEST_BYTES,
    MAX_MODEL_BYTES,
    MODEL_FILE,
    Submission,
    SubmissionError,
    archive_prefix,
    load_submission,
    safe_member,
    schema_problems,
)

STANDARD_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml"})
# Files that would be code or serialised objects: a submission is data only.
FORBIDDEN_SUFFIXES = frozenset(
    {".py", ".pyc", ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".so", ".dll", ".dylib", ".exe", ".sh", ".bat", ".ps1", ".jar", ".npy", ".npz"}
)
DOC_SUFFIXES = frozenset({".md", ".txt", ".pdf", ".rst", ".html", ".png", ".jpg", ".jpeg", ".svg", ".json", ".yaml", ".yml", ".csv"})
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
SMOKE_BATCH = 2
MAX_BATCH_SECONDS = 30.0


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: a file, an archive entry, or `submission.yaml: field.path`."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


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
            listed = "; ".join(str(p).rstrip(".") for p in self.problems)
            raise SubmissionError(
                f"{self.source} is not a valid submission ({len(self.problems)} problem(s)): {listed}. "
                "Run `saferkit submission check` for the full list.",
                [str(p) for p in self.problems],
            )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MiB"


def _check_names(result: CheckResult, names: list[str]) -> None:
    """File count, code files and extra files, shared by folders and archives."""
    if len(names) > MAX_FILES:
        result.add(str(result.source), f"holds {len(names)} files; a submission may hold at most {MAX_FILES}")
    for name in names:
        suffix = Path(name).suffix.lower()
        if suffix in FORBIDDEN_SUFFIXES:
            result.add(name, f"'{suffix}' files are code or serialised objects; a submission is {MODEL_FILE} + {MANIFEST_FILE} + documentation only")
        elif name not in (MODEL_FILE, MANIFEST_FILE) and suffix not in DOC_SUFFIXES:
            result.warn(name, "not read by the harness (only model.onnx, submission.yaml and documentation are)")


def _read_folder(result: CheckResult, folder: Path) -> dict[str, bytes]:
    files = {}
    names = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            result.add(name, "is a symbolic link; put the file itself in the submission")
            continue
        if path.is_file():
            names.append(name)
    _check_names(result, names)
    for name, limit in ((MODEL_FILE, MAX_MODEL_BYTES), (MANIFEST_FILE, MAX_MANIFEST_BYTES)):
        path = folder / name
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        if size > limit:
            result.add(name, f"is {_mib(size)}; the limit is {_mib(limit)}")
        else:
            files[name] = path.read_bytes()
    result.info["files"] = names
    return files


def _read_zip(result: CheckResult, archive: Path) -> dict[str, bytes]:
    size = archive.stat().st_size
    if size > MAX_ARCHIVE_BYTES:
        result.add(archive.name, f"is {_mib(size)}; the archive limit is {_mib(MAX_ARCHIVE_BYTES)}")
        return {}
    try:
        handle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        result.add(archive.name, "is not a readable zip archive; zip the submission folder again")
        return {}
    with handle:
        infos = [info for info in handle.infolist() if not info.is_dir()]
        for info in infos:
            if not safe_member(info.filename):
                result.add(info.filename, "archive entry leaves the submission folder (absolute path, '..' or backslash); rebuild the zip")
            if stat.S_ISLNK(info.external_attr >> 16):
                result.add(info.filename, "archive entry is a symbolic link; put the file itself in the zip")
        total = sum(info.file_size for info in infos)
        packed = max(1, sum(info.compress_size for info in infos))
        if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
            result.add(archive.name, f"unpacks to {_mib(total)} ({total / packed:.0f}x its packed size); that looks like a zip bomb")
            return {}
        names = [info.filename for info in infos]
        prefix = archive_prefix(names)
        inner = [name[len(prefix):] for name in names]
        _check_names(result, inner)
        result.info["files"] = inner
        files = {}
        for name, limit in ((MODEL_FILE, MAX_MODEL_BYTES), (MANIFEST_FILE, MAX_MANIFEST_BYTES)):
            if prefix + name not in names:
                continue
            info = handle.getinfo(prefix + name)
            if info.file_size > limit:
                result.add(name, f"is {_mib(info.file_size)}; the limit is {_mib(limit)}")
                continue
            if not any(p.where == name for p in result.problems):
                files[name] = handle.read(prefix + name)
        return files


def _check_manifest(result: CheckResult, raw: bytes) -> dict[str, Any] | None:
    try:
        manifest = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        result.add(MANIFEST_FILE, f"is not valid YAML: {str(exc).splitlines()[0]}")
        return None
    for problem in schema_problems(manifest):
        where, _, message = problem.partition(": ")
        field_path, _, message = message.partition(": ")
        result.add(f"{where}: {field_path}", message)
    if not isinstance(manifest, dict):
        return None
    output = manifest.get("output") if isinstance(manifest.get("output"), dict) else {}
    labels, positive = output.get("labels"), output.get("positive_label")
    if isinstance(labels, list) and positive is not None and positive not in labels:
        result.add(f"{MANIFEST_FILE}: output.positive_label", f"{positive!r} is not one of the labels {labels}")
    return manifest


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
    source = Path(path)
    result = CheckResult(source=source)
    if source.is_dir():
        files = _read_folder(result, source)
    elif source.is_file() and source.suffix.lower() == ".zip":
        files = _read_zip(result, source)
    elif source.exists():
        result.add(str(source), "is neither a folder nor a .zip; pass the submission folder or its zip")
        return result
    else:
        result.add(str(source), "does not exist; pass the submission folder or its zip")
        return result
    for name in (MODEL_FILE, MANIFEST_FILE):
        if name not in files and not any(p.where == name for p in result.problems):
            result.add(name, "is missing; a submission holds model.onnx and submission.yaml")
    manifest = _check_manifest(result, files[MANIFEST_FILE]) if MANIFEST_FILE in files else None
    model = _check_onnx_structure(result, files[MODEL_FILE]) if MODEL_FILE in files else None
    if model is not None and isinstance(manifest, dict):
        _check_signature(result, model, manifest)
    if result.problems:
        return result
    try:
        submission = load_submission(source)
    except SubmissionError as exc:
        for problem in exc.problems:
            result.add(str(source), problem)
        return result
    _smoke_run(result, submission)
    if result.ok:
        result.submission = submission
        result.info["sha256"] = submission.sha256
        result.info["task"] = submission.task
        result.info["labels"] = submission.labels
    return result
