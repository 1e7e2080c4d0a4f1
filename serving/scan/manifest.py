"""The scan manifest: what was scanned, with what, by which software.

It pins the models and lists by sha256 so a result can be tied to exactly what
produced it, and so a resumed scan refuses to mix outputs of different models
or lists into one result.
"""

from __future__ import annotations

import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Optional

from saferkit.core.errors import UserError

SCHEMA_VERSION = 1
SOFTWARE = ("numpy", "pillow", "pyarrow", "onnxruntime", "pdqhash", "imagehash", "faiss-cpu")

# Settings that change the rows; a resume must use the same ones.
PINNED = ("source", "file_list", "models", "hashlists", "algos", "shard_size", "batch_size",
          "max_bytes", "match_threshold", "dihedral", "follow_symlinks", "allow_weak",
          "max_video_seconds")
PINNED_DEFAULTS = {"allow_weak": False, "max_video_seconds": 4 * 3600.0}  # what a result made before the setting existed used


def software_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Versions of saferkit, Python and the libraries that shape hashes and scores."""
    from saferkit import __version__

    versions = {"saferkit": __version__, "python": platform.python_version()}
    for name in SOFTWARE + extra:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def describe_models(paths: list[str], submissions: list[Any], keys: list[str]) -> list[dict[str, Any]]:
    return [
        {"key": key, "path": str(Path(path).resolve()), "name": sub.name, "version": sub.version,
         "sha256": sub.sha256, "model_sha256": sub.model_sha256, "threshold": sub.threshold,
         "chosen_for": sub.manifest.get("operating_point", {}).get("chosen_for")}
        for path, sub, key in zip(paths, submissions, keys)
    ]


def describe_lists(paths: list[str], loaded: Optional[list[Any]] = None) -> list[dict[str, Any]]:
    """Each list by path and sha256, with what loading it found (hashes by type, lines skipped, weak rows ignored)."""
    from saferkit.core.digest import file_sha256

    described = []
    for k, p in enumerate(paths):
        entry: dict[str, Any] = {"path": str(Path(p).resolve()), "name": Path(p).name, "sha256": file_sha256(p)}
        if loaded is not None and k < len(loaded):
            entry.update({key: value for key, value in loaded[k].describe().items() if key != "name"})
            entry["note"] = loaded[k].note()
        described.append(entry)
    return described


def new_manifest(settings: dict[str, Any], n_files: int, n_shards: int) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": settings,
        "files": n_files,
        "shards": n_shards,
        "software": software_versions(),
        "runs": [],
    }


def check_resumable(existing: dict[str, Any], settings: dict[str, Any], result: Path) -> None:
    """Refuse to resume into a result made with other models, lists or settings."""
    old = existing.get("settings", {})
    changed = [key for key in PINNED if _comparable(old.get(key, PINNED_DEFAULTS.get(key))) != _comparable(settings.get(key))]
    if changed:
        raise UserError(
            f"{result} holds a scan made with different {', '.join(changed)}; "
            "re-run with the same options to resume it, or choose a new --out (or pass --overwrite)."
        )


def _comparable(value: Optional[Any]) -> Any:
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):  # a model or list is the same when its digest is
        return value.get("sha256", value)
    return value
