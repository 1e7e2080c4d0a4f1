"""The one walker: every file under some roots, or named in a file list, with one symlink policy.

Used by `saferkit scan`, `hash` and `match`. It never raises for one bad
entry: an unreadable folder, a dangling link, a symbolic-link loop, a device
or FIFO becomes a `Listed` entry whose `walk_error` says which `ErrorKind`,
so it shows up in the output and the counts instead of stopping the walk.

Symlink policy: with `follow_symlinks=True` (the default) links are followed,
to files and to folders; a linked folder that resolves to a folder already on
the way down from the root is a loop, reported and not followed (two links to
the same folder elsewhere are both walked). With `follow_symlinks=False`
links inside a walked folder are left out altogether.

Order: depth first, each folder's entries in name order, files and folders
interleaved, so the order is stable from one run to the next.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from saferkit.core.errors import UserError
from saferkit.core.kinds import ErrorKind


@dataclass(frozen=True)
class Listed:
    """One path a bulk run will account for, with what the walk saw of it (-1: unknown)."""

    path: str
    size: int = -1
    mtime_ns: int = -1
    walk_error: Optional[ErrorKind] = None
    detail: Optional[str] = None


def _stat_problem(exc: OSError) -> ErrorKind:
    return ErrorKind.SYMLINK_LOOP if exc.errno == errno.ELOOP else ErrorKind.UNREADABLE


def describe_file(path: str) -> Listed:
    """Stat one path (following links) and say whether it can be read as a file."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return Listed(path, walk_error=_stat_problem(exc), detail=exc.strerror or str(exc))
    if not stat.S_ISREG(info.st_mode):
        return Listed(path, info.st_size, info.st_mtime_ns, ErrorKind.NOT_REGULAR, "not a regular file")
    return Listed(path, info.st_size, info.st_mtime_ns)


_Ancestors = tuple[tuple[int, int], ...]


def walk_tree(root: str | os.PathLike[str], *, follow_symlinks: bool = True) -> Iterator[Listed]:
    """Every file under `root` (paths built on `root` as given); see the module docstring."""
    root = os.fspath(root)
    try:
        top = os.stat(root)
    except OSError as exc:
        yield Listed(root, walk_error=_stat_problem(exc), detail=f"folder: {exc.strerror or exc}")
        return
    stack: list[tuple[Iterator[os.DirEntry[str]], _Ancestors]] = []
    problem = _enter(stack, root, ((top.st_dev, top.st_ino),))
    if problem is not None:
        yield problem
    while stack:
        entries, ancestors = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        found = _look_at(entry, ancestors, follow_symlinks)
        if isinstance(found, tuple):
            found = _enter(stack, entry.path, found)
        if found is not None:
            yield found


def _enter(stack: list[tuple[Iterator[os.DirEntry[str]], _Ancestors]], folder: str, ancestors: _Ancestors) -> Listed | None:
    """Push a folder's entries (name order) onto the walk; an entry with the error when it cannot be listed."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda entry: entry.name)
    except OSError as exc:
        return Listed(folder, walk_error=_stat_problem(exc), detail=f"folder: {exc.strerror or exc}")
    stack.append((iter(entries), ancestors))
    return None


def _look_at(entry: os.DirEntry[str], ancestors: _Ancestors, follow_symlinks: bool) -> Listed | _Ancestors | None:
    """A file's entry, a folder's ancestors to walk it with, or None for a link left out."""
    try:
        is_dir = entry.is_dir(follow_symlinks=follow_symlinks)
    except OSError:
        is_dir = False
    if not is_dir:
        if not follow_symlinks and entry.is_symlink():
            return None
        return describe_file(entry.path)
    try:
        info = entry.stat(follow_symlinks=True)
    except OSError as exc:
        return Listed(entry.path, walk_error=_stat_problem(exc), detail=exc.strerror or str(exc))
    key = (info.st_dev, info.st_ino)
    if key in ancestors:
        return Listed(entry.path, walk_error=ErrorKind.SYMLINK_LOOP, detail="link back to a parent folder")
    return ancestors + (key,)


def walk_paths(paths: Iterable[str | os.PathLike[str]], *, follow_symlinks: bool = True) -> Iterator[Listed]:
    """Every file under each path in turn: folders are walked, anything else is described as a file."""
    for raw in paths:
        path = os.fspath(raw)
        if os.path.isdir(path):
            yield from walk_tree(path, follow_symlinks=follow_symlinks)
        else:
            yield describe_file(path)


def read_file_list(list_path: str | os.PathLike[str]) -> list[str]:
    """Paths from a text file, one per line; blank lines and `#` comments are ignored.

    Relative paths are taken relative to the list file's folder, so a list and
    the files it names can move together.
    """
    list_path = Path(list_path)
    try:
        text = list_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"file list {list_path} does not exist; pass a text file with one path per line.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the file list {list_path} ({exc}); it must be UTF-8 text, one path per line.") from None
    base = list_path.resolve().parent
    paths = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        paths.append(os.path.abspath(os.path.join(base, line)))
    return paths
