"""Output folders that are either complete or absent, never half-written."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from saferkit.core.errors import UserError
from saferkit.core.atomic import staged_folder, write_json_atomic


def _check_target(target: Path, overwrite: bool, what: str) -> None:
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} exists and is not a folder; choose another {what}.")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise UserError(f"{target} is not empty; pass --overwrite to replace it or choose another {what}.")
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    if not os.access(parent, os.W_OK):
        raise UserError(f"cannot write in {parent}; choose another {what}.")


@contextmanager
def staged_dir(target: Path, *, overwrite: bool, what: str = "--out") -> Iterator[Path]:
    """Yield a scratch folder beside `target`; it replaces `target` only if the body succeeds."""
    target = Path(target).resolve()
    _check_target(target, overwrite, what)
    with staged_folder(target) as scratch:
        yield scratch


@contextmanager
def fresh_dir(target: Path, *, overwrite: bool, what: str = "--out") -> Iterator[Path]:
    """Yield `target` itself, empty; on failure remove it and put back what was there before.

    For outputs that must know their final path while being written (an MLflow
    store records absolute artifact paths), where a rename at the end would break them.
    """
    target = Path(target).resolve()
    _check_target(target, overwrite, what)
    backup = None
    if target.is_dir() and any(target.iterdir()):
        backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.previous-", dir=target.parent))
        os.rename(target, backup / "content")
    target.mkdir(parents=True, exist_ok=True)
    try:
        yield target
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        if backup is not None:
            os.rename(backup / "content", target)
        raise
    finally:
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)


def write_json(path: Path, data: Any) -> None:
    """Write JSON through a temporary file and a rename, so readers never see half of it."""
    write_json_atomic(path, data)
