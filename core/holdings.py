"""What a file holds, in one place for the scan and for `hash`/`match`: archive members, a PDF's images, a disk image's files.

The callers make the rows (the scan's and the hash CSV's differ); this module
decides what a file is a holder of (`holder_of`) and yields each thing it
holds as a `Held` (`held_in`), from the one reader of each kind:
`core.containers` for archives, `core.pages` for PDFs, `core.diskimage` for
disk images, on a path or, for an image that sits inside an archive, on the
member's bytes in memory. Frames of a picture are not here: they come from
the picture's one decode (`DecodedImage.frames`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from saferkit.core.containers import ArchiveRefused, Budget, container_format, members
from saferkit.core.diskimage import DiskImageError, disk_files, reads_as_disk_image
from saferkit.core.kinds import ErrorKind
from saferkit.core.pages import PdfError, pdf_images

DISK = "disk"
PDF = "pdf"


class HoldingError(Exception):
    """The holder could not be read (further): its row gets this kind; the things yielded before stay."""

    def __init__(self, detail: str, kind: str = ErrorKind.CORRUPT) -> None:
        super().__init__(detail)
        self.kind = kind


@dataclass
class Held:
    """One thing a file holds: its bytes, or the kind of row it becomes without them, and what is known of it."""

    name: str
    data: Optional[bytes]
    kind: Optional[str] = None  # encrypted, symlink_member, too_large, not_regular, corrupt
    detail: str = ""
    warning: Optional[str] = None  # unsafe_path: the name is kept as stored
    size: Optional[int] = None
    mtime: Optional[float] = None
    atime: Optional[float] = None
    ctime: Optional[float] = None
    btime: Optional[float] = None
    inode: Optional[int] = None
    deleted: Optional[bool] = None
    own_budget: bool = False  # a disk image's file: archive limits start afresh for it


def holder_of(path: str, head: bytes) -> Optional[str]:
    """`disk`, an archive format of `core.containers.FORMATS`, `pdf`, or None when the file holds nothing we open."""
    if reads_as_disk_image(path, head):
        return DISK
    fmt = container_format(head)
    if fmt is not None:
        return fmt
    return PDF if head.startswith(b"%PDF") else None


def held_in(holder: str, path: str, data: Optional[bytes], budget: Budget, max_bytes: int) -> Iterator[Held]:
    """Everything the file at `path` (its bytes in `data`; None for a disk image read from its path) holds.

    Raises `ArchiveRefused` for a limit crossed (the whole file becomes one row)
    and `HoldingError` when the holder cannot be read further.
    """
    if holder == DISK:
        yield from _disk(path, data, max_bytes)
    elif holder == PDF:
        yield from _pdf(data or b"")
    else:
        yield from _archive(holder, path, data or b"", budget)


def _archive(fmt: str, path: str, data: bytes, budget: Budget) -> Iterator[Held]:
    try:
        for member in members(data, fmt, budget, path, path):
            yield Held(member.name, member.data, kind=member.kind, detail=member.detail, warning=member.warning,
                       size=member.declared_size, mtime=member.mtime)
    except ArchiveRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken archive is its row's problem; members found are kept
        raise HoldingError(f"cannot read the {fmt} archive: {type(exc).__name__}: {exc}") from exc


def _pdf(data: bytes) -> Iterator[Held]:
    try:
        for name, image in pdf_images(data):
            yield Held(name, image)
    except PdfError as exc:
        raise HoldingError(str(exc), exc.kind) from exc


def _disk(path: str, data: Optional[bytes], max_bytes: int) -> Iterator[Held]:
    try:
        for found in disk_files(path, max_bytes, data):
            over = found.data is None
            yield Held(found.path, found.data, kind=ErrorKind.TOO_LARGE if over else None,
                       detail=f"{found.size:,} bytes is over the limit; not read" if over else "", size=found.size,
                       mtime=found.mtime, atime=found.atime, ctime=found.ctime, btime=found.btime, inode=found.inode,
                       deleted=found.deleted or None, own_budget=True)
    except DiskImageError as exc:
        raise HoldingError(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a damaged image is its row's problem; files found are kept
        raise HoldingError(f"cannot read the disk image: {type(exc).__name__}: {exc}") from exc
