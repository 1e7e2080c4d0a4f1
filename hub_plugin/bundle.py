"""The signed bundle: one folder holding the entry and everything it vouches for.

Layout (all signed together by `signature.sig`):
    entry.json                 the catalogue entry (canonical JSON)
    report.json, scorecard.json  the exact bytes the gate checked
    submission/model.onnx, submission/submission.yaml
The same folder is what the bundle publisher writes for air-gapped transfer
and, zipped, what the HTTP publisher uploads.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.core.digest import file_sha256, files_digest
from saferkit.evaluation.submission import safe_member  # one rule for paths inside archives
from saferkit.hub_plugin.gate import REPORT_FILE, SCORECARD_FILE, PublishInputs
from saferkit.hub_plugin.signing import SIGNATURE_FILE, sign_bundle

ENTRY_FILE = "entry.json"
SUBMISSION_DIR = "submission"
MAX_BUNDLE_FILES = 32
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class BundleTooLarge(UserError):
    """A bundle exceeds the size or file-count limits (HTTP 413)."""


@dataclass(frozen=True)
class SignedBundle:
    """A signed bundle folder, its entry, and the digest that identifies its content."""

    folder: Path
    entry: dict[str, Any]
    content_sha256: str


def canonical_json(data: Any) -> bytes:
    """Deterministic JSON, so the same entry always has the same digest."""
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def bundle_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file in the bundle except the signature (which is not deterministic)."""
    folder = Path(folder)
    digests = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            raise UserError(f"{path} is a symbolic link; a bundle holds plain files only.")
        if path.is_file() and path.relative_to(folder).as_posix() != SIGNATURE_FILE:
            digests[path.relative_to(folder).as_posix()] = file_sha256(path)
    return digests


def content_sha256(folder: Path) -> str:
    """One digest for the bundle's content: equal bundles are the same publication."""
    return files_digest(bundle_digests(folder))


def write_signed_bundle(inputs: PublishInputs, entry: dict[str, Any], folder: Path, private_key: Path) -> SignedBundle:
    """Write the bundle files into an empty `folder` and sign them."""
    from saferkit.evaluation.submission import MANIFEST_FILE, MODEL_FILE

    folder = Path(folder)
    (folder / SUBMISSION_DIR).mkdir(parents=True, exist_ok=False)
    (folder / SUBMISSION_DIR / MODEL_FILE).write_bytes(inputs.submission.model_bytes)
    (folder / SUBMISSION_DIR / MANIFEST_FILE).write_bytes(inputs.submission.manifest_bytes)
    (folder / REPORT_FILE).write_bytes(inputs.report_bytes)
    (folder / SCORECARD_FILE).write_bytes(inputs.scorecard_bytes)
    (folder / ENTRY_FILE).write_bytes(canonical_json(entry))
    sign_bundle(folder, private_key)
    return SignedBundle(folder, entry, content_sha256(folder))


def read_entry(folder: Path) -> dict[str, Any]:
    """The entry.json of a bundle folder, with a clear error when it is missing or not JSON."""
    path = Path(folder) / ENTRY_FILE
    if not path.is_file():
        raise UserError(f"the bundle has no {ENTRY_FILE}; build bundles with `saferkit hub publish`.")
    try:
        return json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UserError(f"the bundle's {ENTRY_FILE} is not valid JSON.") from None


def open_bundle(folder: Path) -> SignedBundle:
    """A bundle folder already on disk (for example carried across an air gap)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a bundle folder; pass the folder `saferkit hub publish` wrote.")
    return SignedBundle(folder, read_entry(folder), content_sha256(folder))


def zip_bundle(folder: Path) -> bytes:
    """The bundle as a zip with fixed timestamps (same content, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=ZIP_TIMESTAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def extract_bundle(data: bytes, dest: Path, *, max_bytes: int) -> Path:
    """Unpack an uploaded bundle zip into `dest`, refusing unsafe paths, links and zip bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UserError("the upload is not a zip archive; send the bundle zipped (application/zip).") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_BUNDLE_FILES:
            raise BundleTooLarge(f"the bundle holds {len(infos)} files; at most {MAX_BUNDLE_FILES} are accepted.")
        unsafe = [info.filename for info in infos if not safe_member(info.filename)]
        if unsafe:
            raise UserError(f"the bundle has paths that leave its folder: {', '.join(unsafe[:5])}.")
        links = [info.filename for info in infos if (info.external_attr >> 16) & 0o170000 == 0o120000]
        if links:
            raise UserError(f"the bundle holds symbolic links ({', '.join(links[:5])}); it may hold plain files only.")
        if sum(info.file_size for info in infos) > max_bytes:
            raise BundleTooLarge(f"the bundle unpacks to more than the {max_bytes // (1024 * 1024)} MiB limit.")
        written = 0
        for info in infos:
            target = dest / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as sink:
                while block := source.read(1 << 20):
                    written += len(block)
                    if written > max_bytes:  # sizes in the zip header can lie
                        raise BundleTooLarge(f"the bundle unpacks to more than the {max_bytes // (1024 * 1024)} MiB limit.")
                    sink.write(block)
    return dest


def copy_bundle_atomically(source: Path, dest: Path) -> None:
    """Copy a bundle folder to `dest` through a temporary sibling, so `dest` is whole or absent."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        shutil.copytree(source, staging / "b")
        (staging / "b").rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
