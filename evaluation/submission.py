"""Reading a submission: a folder or a `.zip` holding `model.onnx` and `submission.yaml`.

This is the one reader of the submission contract. Data only: the YAML is
parsed with the safe loader and checked against the published JSON Schema; the
model is read as bytes and never unpickled or executed outside onnxruntime.
The safety rules (no symbolic links, no zip entries that leave the folder, no
zip bombs, size and file-count limits) always apply. `read_submission` collects
every problem it finds; `load_submission` turns them into one `SubmissionError`.
With `strict=True` it also applies the file policy of `saferkit submission
check` (no code files, a warning for files the harness ignores); the ONNX
checks of `evaluation/check.py` build on the files it read.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from saferkit.core.digest import bytes_sha256, files_digest
from saferkit.core.errors import UserError
from saferkit.core.schemas import packaged_schema, schema_violations

MODEL_FILE = "model.onnx"
MANIFEST_FILE = "submission.yaml"
README_FILE = "README.md"
SCHEMA_FILE = "submission.schema.json"

# Limits that protect the harness from hostile or broken archives.
MAX_MODEL_BYTES = 512 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_ARCHIVE_BYTES = 600 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_FILES = 64
READ_LIMITS = ((MODEL_FILE, MAX_MODEL_BYTES), (MANIFEST_FILE, MAX_MANIFEST_BYTES))

# The model card every submission.yaml holds (the hub's catalogue entry copies the same fields).
MODEL_CARD_FIELDS = ("intended_use", "out_of_scope_uses", "limitations", "domain_gap", "ethical_considerations",
                     "human_oversight", "contestability")
# The ONNX operator domains a submission model may use (onnxruntime's own, nothing custom).
STANDARD_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml"})
# Files that would be code or serialised objects: a submission is data only.
FORBIDDEN_SUFFIXES = frozenset(
    {".py", ".pyc", ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".so", ".dll", ".dylib", ".exe", ".sh", ".bat", ".ps1", ".jar", ".npy", ".npz"}
)
DOC_SUFFIXES = frozenset({".md", ".txt", ".pdf", ".rst", ".html", ".png", ".jpg", ".jpeg", ".svg", ".json", ".yaml", ".yml", ".csv"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: the submission path, a file, an archive entry, or `submission.yaml: field.path`."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class SubmissionError(UserError):
    """A submission cannot be read; `problems` lists every reason found."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or [message]
        super().__init__(message)

    @classmethod
    def listing(cls, source: Path, problems: list[Problem]) -> SubmissionError:
        """One error naming every problem, with the command that explains them one by one."""
        listed = "; ".join(str(p).rstrip(".") for p in problems)
        return cls(
            f"{source} is not a valid submission ({len(problems)} problem(s)): {listed}. "
            "Run `saferkit submission check` for the full list.",
            [str(p) for p in problems],
        )


@lru_cache(maxsize=1)
def submission_schema() -> dict[str, Any]:
    """The published JSON Schema for submission.yaml (the one source of truth)."""
    return packaged_schema("saferkit.evaluation", SCHEMA_FILE)


def manifest_problems(manifest: Any) -> list[Problem]:
    """Every way a parsed manifest breaks the schema or its label rule, each at `submission.yaml: field`."""
    problems = [Problem(f"{MANIFEST_FILE}: {where}", message) for where, message in schema_violations(manifest, submission_schema())]
    output = manifest.get("output") if isinstance(manifest, dict) else None
    if isinstance(output, dict):
        labels, positive = output.get("labels"), output.get("positive_label")
        if isinstance(labels, list) and positive is not None and positive not in labels:
            problems.append(Problem(f"{MANIFEST_FILE}: output.positive_label", f"{positive!r} is not one of the labels {labels}"))
    return problems


def schema_problems(manifest: Any) -> list[str]:
    """Every schema violation in a parsed manifest, each naming the field it concerns."""
    return [str(problem) for problem in manifest_problems(manifest)]


@dataclass(frozen=True)
class Submission:
    """A validated submission held in memory: the manifest and the model's bytes."""

    source: Path
    manifest: dict[str, Any]
    model_bytes: bytes = field(repr=False)
    manifest_bytes: bytes = field(repr=False)
    file_names: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def task(self) -> str:
        return self.manifest["task"]

    @property
    def input(self) -> dict[str, Any]:
        return self.manifest["input"]

    @property
    def output(self) -> dict[str, Any]:
        return self.manifest["output"]

    @property
    def labels(self) -> list[str]:
        return list(self.manifest["output"]["labels"])

    @property
    def threshold(self) -> float:
        return float(self.manifest["operating_point"]["threshold"])

    @property
    def positive_index(self) -> int:
        """Index of the declared positive label; without one, the second label."""
        positive = self.output.get("positive_label")
        return self.labels.index(positive) if positive is not None else 1

    @cached_property
    def model_sha256(self) -> str:
        return bytes_sha256(self.model_bytes)

    @cached_property
    def sha256(self) -> str:
        """Digest of what the harness reads (model + manifest), the same for a folder or its zip."""
        return files_digest({MODEL_FILE: self.model_sha256, MANIFEST_FILE: bytes_sha256(self.manifest_bytes)})


@dataclass
class SubmissionReading:
    """What reading a submission found: its file names, the files the harness reads, the manifest, every problem."""

    source: Path
    names: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    manifest: Any = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Problem(where, message))

    def concerns(self, where: str) -> bool:
        """Whether a problem was already found at `where` (then the file is not read)."""
        return any(problem.where == where for problem in self.problems)

    def submission(self) -> Submission:
        """The validated submission; a SubmissionError listing every problem when there are any."""
        if self.problems:
            raise SubmissionError.listing(self.source, self.problems)
        return Submission(
            source=self.source,
            manifest=self.manifest,
            model_bytes=self.files[MODEL_FILE],
            manifest_bytes=self.files[MANIFEST_FILE],
            file_names=tuple(sorted(self.names)),
        )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MiB"


def safe_member(name: str) -> bool:
    """Whether an archive entry's path stays inside the folder it unpacks into (no zip-slip)."""
    path = PurePosixPath(name)
    return not (path.is_absolute() or ".." in path.parts or "\\" in name or name.startswith("/"))


def archive_prefix(names: list[str]) -> str:
    """The folder every entry sits in ("sub/") when a zip holds the submission folder itself, else ""."""
    if MODEL_FILE in names or MANIFEST_FILE in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return tops.pop() + "/"
    return ""


def _check_names(reading: SubmissionReading, strict: bool) -> None:
    """File count (always), and in strict mode code files (refused) and files the harness ignores (warned)."""
    if len(reading.names) > MAX_FILES:
        reading.add(str(reading.source), f"holds {len(reading.names)} files; a submission may hold at most {MAX_FILES}")
    if not strict:
        return
    for name in reading.names:
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in FORBIDDEN_SUFFIXES:
            reading.add(name, f"'{suffix}' files are code or serialised objects; a submission is {MODEL_FILE} + {MANIFEST_FILE} + documentation only")
        elif name not in (MODEL_FILE, MANIFEST_FILE) and suffix not in DOC_SUFFIXES:
            reading.warn(name, "not read by the harness (only model.onnx, submission.yaml and documentation are)")


def _read_folder(reading: SubmissionReading, folder: Path, strict: bool) -> None:
    for top, dirs, files in os.walk(folder, followlinks=False):
        for entry in sorted(dirs + files):
            path = Path(top) / entry
            name = path.relative_to(folder).as_posix()
            if path.is_symlink():
                reading.add(name, "is a symbolic link; put the file itself in the submission")
            elif entry in files and path.is_file():
                reading.names.append(name)
    reading.names.sort()
    _check_names(reading, strict)
    for name, limit in READ_LIMITS:
        path = folder / name
        if name not in reading.names or reading.concerns(name):
            continue
        size = path.stat().st_size
        if size > limit:
            reading.add(name, f"is {_mib(size)}; the limit is {_mib(limit)}")
        else:
            reading.files[name] = path.read_bytes()


def _read_zip(reading: SubmissionReading, archive: Path, strict: bool) -> bool:
    """Read the archive's entries; False when it cannot be opened or looks like a zip bomb."""
    where = str(archive)
    size = archive.stat().st_size
    if size > MAX_ARCHIVE_BYTES:
        reading.add(where, f"is {_mib(size)}; the archive limit is {_mib(MAX_ARCHIVE_BYTES)}")
        return False
    try:
        handle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        reading.add(where, "is not a readable zip archive; zip the submission folder again")
        return False
    with handle:
        infos = [info for info in handle.infolist() if not info.is_dir()]
        for info in infos:
            if not safe_member(info.filename):
                reading.add(info.filename, "archive entry would leave the folder (absolute path, '..' or backslash); rebuild the zip")
            if stat.S_ISLNK(info.external_attr >> 16):
                reading.add(info.filename, "archive entry is a symbolic link; put the file itself in the zip")
        total = sum(info.file_size for info in infos)
        packed = max(1, sum(info.compress_size for info in infos))
        if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
            reading.add(where, f"unpacks to {_mib(total)} ({total / packed:.0f}x its packed size); that looks like a zip bomb")
            return False
        entries = [info.filename for info in infos]
        prefix = archive_prefix(entries)
        reading.names = sorted(name[len(prefix):] for name in entries)
        _check_names(reading, strict)
        for name, limit in READ_LIMITS:
            member = prefix + name
            if member not in entries or reading.concerns(name) or reading.concerns(member):
                continue
            info = handle.getinfo(member)
            if info.file_size > limit:
                reading.add(name, f"is {_mib(info.file_size)}; the limit is {_mib(limit)}")
                continue
            try:
                reading.files[name] = handle.read(member)  # never more than the declared file_size
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                reading.add(name, f"cannot be unpacked ({str(exc).splitlines()[0] or type(exc).__name__}); zip the submission folder again")
    return True


def _read_manifest(reading: SubmissionReading) -> None:
    try:
        manifest = yaml.safe_load(reading.files[MANIFEST_FILE].decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        reading.add(MANIFEST_FILE, f"is not valid YAML: {str(exc).splitlines()[0]}")
        return
    reading.manifest = manifest
    reading.problems.extend(manifest_problems(manifest))


def read_submission(path: str | Path, *, strict: bool = False) -> SubmissionReading:
    """Read a submission folder or zip once, collecting every problem instead of stopping at the first.

    The safety rules and the manifest's schema always apply; `strict` adds the
    file policy that `saferkit submission check` reports (code files, ignored files).
    """
    source = Path(path)
    reading = SubmissionReading(source=source)
    if source.is_dir():
        _read_folder(reading, source, strict)
    elif source.is_file() and source.suffix.lower() == ".zip":
        if not _read_zip(reading, source, strict):
            return reading
    elif source.exists():
        reading.add(str(source), "is neither a folder nor a .zip; pass the submission folder or its zip")
        return reading
    else:
        reading.add(str(source), "does not exist; pass the submission folder or its zip")
        return reading
    for name in (MODEL_FILE, MANIFEST_FILE):
        if name not in reading.files and not reading.concerns(name):
            reading.add(name, f"is missing; the submission lacks {name} and must hold {MODEL_FILE} and {MANIFEST_FILE}")
    if MANIFEST_FILE in reading.files:
        _read_manifest(reading)
    return reading


def load_submission(path: str | Path) -> Submission:
    """Read and validate a submission folder or zip; raise SubmissionError naming every problem."""
    return read_submission(path).submission()
