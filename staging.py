"""Output folders that appear whole or not at all.

Every writer of a multi-file result (a data set, a report, a hash index, a run)
builds it in a scratch folder beside its target and swaps it in at the end, so
a crash or a bad input never leaves a half-written folder where a user looks.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def staged_folder(target: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty scratch folder beside `target`; it becomes `target` only if the body succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield scratch
        swap_into_place(scratch, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def swap_into_place(scratch: Path, target: Path) -> None:
    """Rename `scratch` to `target`; an old `target` is removed only once the new one is in."""
    scratch.chmod(0o777 & ~_umask())  # mkdtemp makes it private; give it normal folder permissions
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent)) / "content"
        os.rename(target, old)
    try:
        os.rename(scratch, target)
    except OSError:
        if old is not None:
            os.rename(old, target)
        raise
    finally:
        if old is not None and target.exists():
            shutil.rmtree(old.parent, ignore_errors=True)
