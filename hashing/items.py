"""The rows of one listed file for `saferkit hash` and `saferkit match`: the file, and everything it holds.

The same look inside as `saferkit scan`, from the same core parts: the file
is read once (`core.inventory.read_evidence`: three digests streamed, bytes
kept up to `MAX_BYTES`), then what it holds (`core.holdings`: an archive's
members under one `Budget` per listed file, a disk image's files, also of an
image inside an archive, a PDF's embedded images) and the frames of an animated or
multi-page picture (`core.media.DecodedImage.frames`) each become a row of
their own, recursively, with the scan's virtual paths
(`backup.tar.gz!/photos/nested.zip!/img_03.jpg`, `loop.gif#frame=3`) and
`parent` naming the row they sit in. A member is hashed as a file would be:
its digests, and its perceptual hashes when it is a picture.

One bad member is one row with its kind; a container that crosses a limit
(`archive_bomb`, a member too large to unpack) ends as one row for the whole
listed file, as in the scan.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any, Optional

from saferkit.core.containers import ArchiveLimits, ArchiveRefused, Budget
from saferkit.core.diskimage import reads_as_disk_image
from saferkit.core.holdings import DISK, PDF, Held, HoldingError, held_in, holder_of
from saferkit.core.inventory import SNIFF_BYTES, digest_bytes, read_evidence
from saferkit.core.kinds import ErrorKind
from saferkit.core.media import MAX_FRAMES, DecodedImage
from saferkit.hashing.algorithms import CRYPTO_ALGOS
from saferkit.hashing.decode import MEDIA_POLICY, DecodePolicy
from saferkit.hashing.errors import HashingError
from saferkit.hashing.hashers import hash_bytes_partial, hash_image

MAX_BYTES = 256 * 1024 * 1024  # a file larger than this gets its digests only (the scan's limit)


@dataclass(frozen=True)
class ItemSettings:
    """What the rows of one file need, as plain data so it pickles to worker processes."""

    algos: tuple[str, ...]
    policy: DecodePolicy = MEDIA_POLICY
    hash_size: int = 8
    dihedral: bool = False
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    max_bytes: int = MAX_BYTES

    def __post_init__(self) -> None:
        if self.hash_size < 2:
            raise HashingError("hash size must be at least 2.")

    @property
    def perceptual(self) -> tuple[str, ...]:
        return tuple(name for name in self.algos if name not in CRYPTO_ALGOS)

    @property
    def digests(self) -> tuple[str, ...]:
        return tuple(name for name in self.algos if name in CRYPTO_ALGOS)


def error_row(path: str, kind: str, message: str, parent: Optional[str] = None) -> dict[str, Any]:
    """A row for something that could not be hashed at all."""
    return {"path": path, "parent": parent, "size": None, "error": message, "error_kind": kind}


READ_ERRORS = {errno.ENOENT: ("missing", "file vanished or does not exist."),
               errno.EACCES: ("permission", "permission denied: cannot read the file."),
               errno.EPERM: ("permission", "permission denied: cannot read the file."),
               errno.EISDIR: ("unreadable", "is a directory, not a file.")}


def file_rows(path: str, settings: ItemSettings) -> list[dict[str, Any]]:
    """The listed file's row first, then one row per member, disk-image file, PDF image and frame it holds."""
    try:
        found = read_evidence(path, settings.max_bytes, keep_if=lambda head: not reads_as_disk_image(path, head),
                              digests=settings.digests)
    except OSError as exc:
        kind, message = READ_ERRORS.get(exc.errno or 0, ("unreadable", f"cannot read the file: {exc.strerror or exc}"))
        return [error_row(path, kind, message)]
    row: dict[str, Any] = {"path": path, "parent": None, "size": found.size, "error": None, "error_kind": None}
    row.update(found.digests)
    rows = [row]
    budget = Budget(settings.limits)
    try:
        if reads_as_disk_image(path, found.head):
            _open(row, DISK, None, 0, settings, budget, rows)
        elif found.data is None:
            _fail(row, ErrorKind.TOO_LARGE, f"{found.size:,} bytes is over the limit of {settings.max_bytes:,}; "
                                            "digests only, not looked inside")
        else:
            _content(row, found.data, 0, settings, budget, rows)
    except ArchiveRefused as exc:  # one row for the whole file, whatever was found before
        del rows[1:]
        _fail(row, ErrorKind.ARCHIVE_BOMB if exc.kind == "archive_bomb" else exc.kind, str(exc))
    return rows


def _fail(row: dict[str, Any], kind: str, message: str) -> None:
    row["error"], row["error_kind"] = message, str(kind)


def _content(row: dict[str, Any], data: bytes, depth: int, settings: ItemSettings, budget: Budget,
             rows: list[dict[str, Any]]) -> None:
    """Hash one file's or member's bytes (digests already in the row) and add rows for what they hold."""
    head = data[:SNIFF_BYTES]
    decoded = DecodedImage(data, settings.policy)
    if settings.perceptual or settings.dihedral:
        hashes, error = hash_bytes_partial(data, settings.perceptual or ("pdq",), policy=settings.policy,
                                           hash_size=settings.hash_size, dihedral=settings.dihedral, decoded=decoded)
        row.update(hashes)
        if error is not None:
            _fail(row, error.kind, str(error))
        elif decoded.frame_count > 1:
            _frames(row, decoded, settings, rows)
    holder = holder_of(row["path"], head)
    if holder is not None:
        _open(row, holder, data, depth, settings, budget, rows)


def _open(row: dict[str, Any], holder: str, data: Optional[bytes], depth: int, settings: ItemSettings,
          budget: Budget, rows: list[dict[str, Any]]) -> None:
    """A row per thing the holder holds (`core.holdings`, as in the scan); a disk image's files get fresh budgets."""
    if holder != PDF and depth >= settings.limits.max_depth:
        return
    try:
        for held in held_in(holder, row["path"], data, budget, settings.max_bytes):
            _member(row, held, depth, settings, Budget(settings.limits) if held.own_budget else budget, rows)
    except HoldingError as exc:
        _fail(row, exc.kind, str(exc))


def _member(parent: dict[str, Any], held: Held, depth: int, settings: ItemSettings, budget: Budget,
            rows: list[dict[str, Any]]) -> None:
    """A row for something a container holds (`core.holdings.Held`), hashed as a file of its own."""
    data = held.data
    row: dict[str, Any] = {"path": f"{parent['path']}!/{held.name if held.warning else held.name.lstrip('/')}",
                           "parent": parent["path"], "size": held.size if data is None else len(data),
                           "error": None, "error_kind": None}
    rows.append(row)
    if data is not None:
        row.update(digest_bytes(data, settings.digests))
    if held.kind is not None:
        _fail(row, held.kind, held.detail)
    elif data is not None and not data:
        _fail(row, "empty", "empty member (0 bytes): nothing to decode.")
    elif data is not None:
        _content(row, data, depth + 1, settings, budget, rows)


def _frames(row: dict[str, Any], decoded: DecodedImage, settings: ItemSettings, rows: list[dict[str, Any]]) -> None:
    """A row per frame or page (up to MAX_FRAMES); the file's own row holds the first one's hashes."""
    for number, image in enumerate(decoded.frames(MAX_FRAMES)):
        frame_row: dict[str, Any] = {"path": f"{row['path']}#frame={number}", "parent": row["path"],
                                     "size": row["size"], "error": None, "error_kind": None}
        rows.append(frame_row)
        try:
            frame_row.update(hash_image(image, settings.perceptual or ("pdq",), hash_size=settings.hash_size,
                                        dihedral=settings.dihedral, policy=settings.policy))
        except Exception as exc:  # noqa: BLE001 - one frame the hashes trip on is that frame's row
            _fail(frame_row, ErrorKind.CORRUPT, f"cannot hash frame {number}: {exc}")
