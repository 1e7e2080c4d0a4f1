"""What a scan will look at: a folder, one file (a disk image such as evidence.E01, an archive), or a file list.

The walking itself is the one walker (`saferkit.core.walk`); this module holds
the scan's rules for its source. Listing happens once, before any file is
read, and is stored as the scan plan, so a resumed scan sees exactly the same
files in the same shards.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Optional

from saferkit.core.errors import UserError
from saferkit.core.walk import Listed, read_file_list, walk_paths


def list_source(
    source: Optional[str | Path],
    file_list: Optional[str | Path],
    *,
    follow_symlinks: bool = True,
    on_listed: Optional[Callable[[int], None]] = None,
) -> list[Listed]:
    """Everything to scan, by absolute path, sorted and once each; folders named in a file list are walked too."""
    if (source is None) == (file_list is None):
        raise UserError("give either a folder to scan or --file-list, not both and not neither.")
    roots: Iterable[str]
    if source is not None:
        source = Path(source)
        if not source.exists():
            raise UserError(f"{source} does not exist; pass the folder to scan.")
        if not source.is_dir() and not source.is_file():
            raise UserError(f"{source} is not a folder or a file; pass a folder, a disk image or archive, "
                            "or a text file of paths with --file-list.")
        roots = [os.path.abspath(source)]  # a single file (a disk image, an archive) is scanned as itself
    elif file_list is not None:
        roots = read_file_list(file_list)
    listed: dict[str, Listed] = {}
    for item in walk_paths(roots, follow_symlinks=follow_symlinks):
        listed.setdefault(item.path, item)
        if on_listed is not None and len(listed) % 1000 == 0:
            on_listed(len(listed))
    if not listed:
        raise UserError(f"nothing to scan in {source or file_list}: it holds no files.")
    return [listed[path] for path in sorted(listed)]
