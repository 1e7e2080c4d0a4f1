"""Output files and folders that appear whole or not at all, with one permission rule.

Every writer of a result builds it beside its target (a temporary file, or a
scratch folder for a multi-file result such as a data set, a report or a hash
index) and renames it into place at the end, so a crash or a bad input never
leaves a half-written file where a user looks, nor the empty parent folders it
had to create on the way.

Permissions: what the kit writes gets the user's normal permissions (0666 or
0777 less the umask), as if written with `open`, so a team sharing a result can
read it; only secrets (private keys) are written `private=True`, owner-only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any, Iterator

from saferkit.core.errors import UserError


def _read_umask() -> int:
    mask = os.umask(0)  # the only way to read it; done once, at import, before any thread starts
    os.umask(mask)
    return mask


UMASK = _read_umask()
FILE_MODE = 0o666 & ~UMASK
FOLDER_MODE = 0o777 & ~UMASK
PRIVATE_FILE_MODE = 0o600


class AtomicFile:
    """A file being written beside `target`: `commit()` renames it into place, `abort()` removes it.

    For writers that stream rows over a long run; `atomic_open` is the short form.
    """

    def __init__(self, target: str | os.PathLike, mode: str = "w", *, private: bool = False,
                 encoding: str | None = "utf-8", newline: str | None = None, suffix: str = "") -> None:
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp" + suffix, dir=self.target.parent)
        self.temporary = Path(temporary)
        os.chmod(handle, PRIVATE_FILE_MODE if private else FILE_MODE)  # mkstemp's 0600 only for secrets
        binary = "b" in mode
        self.handle: IO[Any] = os.fdopen(handle, mode, encoding=None if binary else encoding, newline=None if binary else newline)

    def commit(self) -> Path:
        self.handle.close()
        os.replace(self.temporary, self.target)
        return self.target

    def abort(self) -> None:
        self.handle.close()
        self.temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike, mode: str = "w", *, private: bool = False,
                encoding: str | None = "utf-8", newline: str | None = None) -> Iterator[IO[Any]]:
    """`open(target, mode)` whose content replaces `target` only when the body succeeds."""
    pending = AtomicFile(target, mode, private=private, encoding=encoding, newline=newline)
    try:
        yield pending.handle
    except BaseException:
        pending.abort()
        raise
    pending.commit()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside `target` for libraries that write by file name (Parquet, matplotlib)."""
    pending = AtomicFile(target, "wb", suffix=suffix)  # some writers pick the format from the suffix
    pending.handle.close()
    try:
        yield pending.temporary
        os.replace(pending.temporary, pending.target)
    except BaseException:
        pending.temporary.unlink(missing_ok=True)
        raise


def write_bytes_atomic(target: str | os.PathLike, data: bytes, *, private: bool = False) -> Path:
    with atomic_open(target, "wb", private=private) as handle:
        handle.write(data)
    return Path(target)


def write_text_atomic(target: str | os.PathLike, text: str, *, newline: str | None = None) -> Path:
    with atomic_open(target, "w", newline=newline) as handle:
        handle.write(text)
    return Path(target)


def write_json_atomic(target: str | os.PathLike, data: Any, *, indent: int | None = 2, sort_keys: bool = False,
                      default: Any = None) -> Path:
    """JSON with a closing newline, whole or not at all."""
    return write_text_atomic(target, json.dumps(data, indent=indent, sort_keys=sort_keys, default=default) + "\n")


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
    scratch.chmod(FOLDER_MODE)  # mkdtemp makes it private; give it normal folder permissions
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
