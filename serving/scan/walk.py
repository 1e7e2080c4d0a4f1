"""List what a scan will look at: a folder tree, or a file list exported by another tool.

Listing happens once, before any file is read, and is stored as the scan plan,
so a resumed scan sees exactly the same files in the same shards. Problems found
while listing (unreadable folders, symbolic-link loops, devices and FIFOs) are
kept as entries with an error, so they show up in the output and the summary
instead of stopping the walk.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from saferkit.core.errors import UserError
from saferkit.serving.scan import kinds


@dataclass(frozen=True)
class Listed:
    """One path the scan will account for, with what the walk saw of it."""

    path: str
    size: int = -1
    mtime_ns: int = -1
    walk_error: Optional[str] = None
    detail: Optional[str] = None


def _stat_problem(exc: OSError) -> str:
    return kinds.SYMLINK_LOOP if exc.errno == errno.ELOOP else kinds.UNREADABLE


def describe_file(path: str) -> Listed:
    """Stat one path (following links) and say whether it can be scanned as a file."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return Listed(path, walk_error=_stat_problem(exc), detail=exc.strerror or str(exc))
    if not stat.S_ISREG(info.st_mode):
        return Listed(path, info.st_size, info.st_mtime_ns, kinds.NOT_REGULAR, "not a regular file")
    return Listed(path, info.st_size, info.st_mtime_ns)


def walk_tree(root: str | Path, *, follow_symlinks: bool = True) -> Iterator[Listed]:
    """Every file under `root`, depth first in name order; loops are reported, not followed.

    A linked folder is a loop when it resolves to a folder already on the way
    down from `root`; two links to the same folder elsewhere are both walked.
    """
    root = os.path.abspath(root)
    top = os.stat(root)
    stack: list[tuple[str, tuple[tuple[int, int], ...]]] = [(root, ((top.st_dev, top.st_ino),))]
    while stack:
        folder, ancestors = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda entry: entry.name)
        except OSError as exc:
            yield Listed(folder, walk_error=_stat_problem(exc), detail=f"folder: {exc.strerror or exc}")
            continue
        subfolders = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=follow_symlinks)
            except OSError:
                is_dir = False
            if not is_dir:
                if entry.is_symlink() and not follow_symlinks:
                    continue
                yield describe_file(entry.path)
                continue
            try:
                info = entry.stat(follow_symlinks=True)
            except OSError as exc:
                yield Listed(entry.path, walk_error=_stat_problem(exc), detail=exc.strerror or str(exc))
                continue
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                yield Listed(entry.path, walk_error=kinds.SYMLINK_LOOP, detail="link back to a parent folder")
                continue
            subfolders.append((entry.path, ancestors + (key,)))
        stack.extend(reversed(subfolders))


def read_file_list(list_path: str | Path) -> list[str]:
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


def list_source(
    source: Optional[str | Path],
    file_list: Optional[str | Path],
    *,
    follow_symlinks: bool = True,
    on_listed: Optional[Callable[[int], None]] = None,
) -> list[Listed]:
    """Everything to scan, sorted by path; folders named in a file list are walked too."""
    if (source is None) == (file_list is None):
        raise UserError("give either a folder to scan or --file-list, not both and not neither.")
    roots: Iterable[str]
    if source is not None:
        source = Path(source)
        if not source.exists():
            raise UserError(f"{source} does not exist; pass the folder to scan.")
        if not source.is_dir():
            raise UserError(f"{source} is not a folder; pass a folder, or a text file of paths with --file-list.")
        roots = [str(source)]
    else:
        roots = read_file_list(file_list)
    listed: dict[str, Listed] = {}
    for root in roots:
        found = walk_tree(root, follow_symlinks=follow_symlinks) if os.path.isdir(root) else [describe_file(root)]
        for item in found:
            listed.setdefault(item.path, item)
            if on_listed is not None and len(listed) % 1000 == 0:
                on_listed(len(listed))
    if not listed:
        raise UserError(f"nothing to scan in {source or file_list}: it holds no files.")
    return [listed[path] for path in sorted(listed)]
