"""Output folders that appear whole or not at all.

Every writer of a multi-file result (a data set, a report, a hash index, a run)
builds it in a scratch folder beside its target and swaps it in at the end, so
a crash or a bad input never leaves a half-written folder where a user looks,
nor the empty parent folders it had to create on the way.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from saferkit.errors import UserError


def _read_umask() -> int:
    mask = os.umask(0)  # the only way to read it; done once, at import, before any thread starts
    os.umask(mask)
    return mask


UMASK = _read_umask()


@contextlib.contextmanager
def staged_folder(target: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty scratch folder beside `target`; it becomes `target` only if the body succeeds.

    On failure the scratch folder goes, and so do the parent folders made for it.
    """
    target = Path(target).absolute()
    created = _missing_folders(target.parent)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    except OSError as exc:
        _remove_empty(created)
        raise UserError(f"cannot write to {target} ({exc.strerror or exc}); choose a folder you can write to.") from None
    try:
        yield scratch
        swap_into_place(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        _remove_empty(created)
        raise


def swap_into_place(scratch: Path, target: Path) -> None:
    """Rename `scratch` to `target`; an old `target` is removed only once the new one is in."""
    scratch.chmod(0o777 & ~UMASK)  # mkdtemp makes it private; give it normal folder permissions
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent)) / "content"
        os.rename(target, old)
    try:
        os.rename(scratch, target)
    except OSError:
        if old is not None:
            os.rename(old, target)  # put the previous result back
            shutil.rmtree(old.parent, ignore_errors=True)  # its now empty holder
        raise
    if old is not None:
        shutil.rmtree(old.parent, ignore_errors=True)


def _missing_folders(folder: Path) -> list[Path]:
    """The folders that `folder.mkdir(parents=True)` would create, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()
