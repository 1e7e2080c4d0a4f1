"""Reading a submission: a folder or a `.zip` holding `model.onnx` and `submission.yaml`.

Data only: the YAML is parsed with the safe loader and checked against the
published JSON Schema; the model is read as bytes and never unpickled or
executed outside onnxruntime. The full pre-flight check (ONNX domains, shapes,
limits) builds on this loader in `evaluation/check.py`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from saferkit.core.schemas import packaged_schema, schema_violations
from saferkit.core.errors import UserError
from saferkit.core.digest import bytes_sha256, files_digest

MODEL_FILE = "model.onnx"
MANIFEST_FILE = "submission.yaml"
README_FILE = "README.md"
SCHEMA_FILE = "submission.schema.json"

# Limits that protect the harness from hostile or broken archives.
MAX_MODEL_BYTES = 512 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_ARCHIVE_BYTES = 600 * 1024 * 1024
MAX_FILES = 64


class SubmissionError(UserError):
    """A submission cannot be read; `problems` lists every reason found."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or [message]
        super().__init__(message)


@lru_cache(maxsize=1)
def submission_schema() -> dict[str, Any]:
    """The published JSON Schema for submission.yaml (the one source of truth)."""
    return packaged_schema("saferkit.evaluation", SCHEMA_FILE)


def schema_problems(manifest: Any) -> list[str]:
    """Every schema violation in a parsed manifest, each naming the field it concerns."""
    return [f"{MANIFEST_FILE}: {where}: {message}" for where, message in schema_violations(manifest, submission_schema())]


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


def _parse_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SubmissionError(f"{MANIFEST_FILE} is not valid YAML: {exc}".splitlines()[0]) from None
    problems = schema_problems(manifest)
    if not problems:
        labels = manifest["output"]["labels"]
        positive = manifest["output"].get("positive_label")
        if positive is not None and positive not in labels:
            problems.append(f"{MANIFEST_FILE}: output.positive_label: {positive!r} is not one of the labels {labels}")
    if problems:
        raise SubmissionError(
            f"{MANIFEST_FILE} does not match the submission schema ({len(problems)} problem(s)): " + "; ".join(problems),
            problems,
        )
    return manifest


def _read_folder(folder: Path) -> tuple[dict[str, bytes], tuple[str, ...]]:
    names = tuple(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()))
    if len(names) > MAX_FILES:
        raise SubmissionError(f"{folder} holds {len(names)} files; a submission may hold at most {MAX_FILES}.")
    wanted = {}
    for name, limit in ((MODEL_FILE, MAX_MODEL_BYTES), (MANIFEST_FILE, MAX_MANIFEST_BYTES)):
        path = folder / name
        if path.is_symlink():
            raise SubmissionError(f"{path} is a symbolic link; put the file itself in the submission.")
        if path.is_file():
            if path.stat().st_size > limit:
                raise SubmissionError(f"{path} is larger than the {limit // (1024 * 1024)} MiB limit.")
            wanted[name] = path.read_bytes()
    return wanted, names


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


def _read_zip(archive: Path) -> tuple[dict[str, bytes], tuple[str, ...]]:
    if archive.stat().st_size > MAX_ARCHIVE_BYTES:
        raise SubmissionError(f"{archive} is larger than the {MAX_ARCHIVE_BYTES // (1024 * 1024)} MiB archive limit.")
    try:
        with zipfile.ZipFile(archive) as handle:
            infos = [info for info in handle.infolist() if not info.is_dir()]
            if len(infos) > MAX_FILES:
                raise SubmissionError(f"{archive} holds {len(infos)} files; a submission may hold at most {MAX_FILES}.")
            unsafe = [info.filename for info in infos if not safe_member(info.filename)]
            if unsafe:
                raise SubmissionError(f"{archive} has entries that leave the folder: {', '.join(unsafe)}; rebuild the zip.")
            names = [info.filename for info in infos]
            prefix = archive_prefix(names)
            wanted = {}
            for name, limit in ((MODEL_FILE, MAX_MODEL_BYTES), (MANIFEST_FILE, MAX_MANIFEST_BYTES)):
                member = prefix + name
                if member in names:
                    info = handle.getinfo(member)
                    if info.file_size > limit:
                        raise SubmissionError(f"{archive}: {name} is larger than the {limit // (1024 * 1024)} MiB limit.")
                    data = handle.read(member)
                    if len(data) > limit:
                        raise SubmissionError(f"{archive}: {name} is larger than the {limit // (1024 * 1024)} MiB limit.")
                    wanted[name] = data
            return wanted, tuple(sorted(n[len(prefix):] for n in names))
    except zipfile.BadZipFile:
        raise SubmissionError(f"{archive} is not a readable zip archive; zip the submission folder again.") from None


def load_submission(path: str | Path) -> Submission:
    """Read and validate a submission folder or zip; raise SubmissionError naming every problem."""
    source = Path(path)
    if source.is_dir():
        files, names = _read_folder(source)
    elif source.is_file() and source.suffix.lower() == ".zip":
        files, names = _read_zip(source)
    elif source.exists():
        raise SubmissionError(f"{source} is neither a folder nor a .zip; pass the submission folder or its zip.")
    else:
        raise SubmissionError(f"{source} does not exist; pass the submission folder or its zip.")
    missing = [name for name in (MODEL_FILE, MANIFEST_FILE) if name not in files]
    if missing:
        raise SubmissionError(f"{source} lacks {' and '.join(missing)}; a submission holds {MODEL_FILE} and {MANIFEST_FILE}.")
    manifest = _parse_manifest(files[MANIFEST_FILE])
    return Submission(
        source=source,
        manifest=manifest,
        model_bytes=files[MODEL_FILE],
        manifest_bytes=files[MANIFEST_FILE],
        file_names=names,
    )
