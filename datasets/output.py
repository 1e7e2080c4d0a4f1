"""Check a data set's destination before any work: never replace a folder that is not ours.

The writing itself goes through `saferkit.core.atomic.staged_folder`, which builds
the set beside its target and swaps it in only when it is complete.
"""

from __future__ import annotations

import os
from pathlib import Path

from saferkit.datasets.manifest import MANIFEST_NAME
from saferkit.datasets.provenance import PROVENANCE_NAME
from saferkit.core.errors import UserError


def _replaceable(folder: Path) -> bool:
    """A folder we may replace: empty, or an earlier saferkit data set (manifest + provenance)."""
    return not any(folder.iterdir()) or ((folder / MANIFEST_NAME).is_file() and (folder / PROVENANCE_NAME).is_file())


def check_destination(out: Path, overwrite: bool) -> None:
    """Refuse, before any work, a destination we cannot or must not write."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} exists and is not a folder; choose another output folder.")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise UserError(f"{out} is not empty; pass --overwrite to replace it or choose another output folder.")
        if not _replaceable(out):
            raise UserError(f"{out} holds files that are not a saferkit data set; refusing to replace it. "
                            "Choose an empty or new output folder.")
    parent = _existing_ancestor(out.parent)
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write to {out}: {parent} is not writable. Choose a folder you can write to.")


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
