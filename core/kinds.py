"""What can go wrong with one file in a bulk run, named once for walker, pool, scan and hash rows.

A bulk run never stops for one file: the walker, the worker pool and the
per-file work each turn a problem into a row carrying one of these kinds. They
are values (a `StrEnum`, so they compare equal to and serialise as their plain
names), never parsed back out of a message.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """Why a file has no (complete) result."""

    UNREADABLE = "unreadable"  # permission denied, I/O error, dangling link, vanished since the walk
    CORRUPT = "corrupt"  # looks like an image or a video but cannot be decoded
    ZERO_BYTE = "zero_byte"
    TOO_LARGE = "too_large"  # over the byte limit, or over the decode pixel limit
    NOT_IMAGE = "not_image"  # neither an image extension nor image magic bytes
    NOT_REGULAR = "not_regular"  # device, FIFO, socket: never opened
    SYMLINK_LOOP = "symlink_loop"
    CHANGED = "changed_during_scan"  # size or mtime moved between listing and reading
    WORKER_DIED = "worker_died"  # its batch was retried once and the worker died (or failed) again
    MODEL_ERROR = "model_error"  # the file hashed but a model could not score it
    ARCHIVE_BOMB = "archive_bomb"  # a container crossed an unpacking limit (bytes, ratio, entries)
    ENCRYPTED = "encrypted"  # an encrypted archive member or PDF; no password is tried
    SYMLINK_MEMBER = "symlink_member"  # a link stored in an archive; never followed

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]


DESCRIPTIONS: dict[ErrorKind, str] = {
    ErrorKind.UNREADABLE: "could not be read (permissions, I/O error, or removed since the walk)",
    ErrorKind.CORRUPT: "has an image or video signature or extension but could not be decoded",
    ErrorKind.ZERO_BYTE: "is empty (0 bytes)",
    ErrorKind.TOO_LARGE: "is over the byte limit or the pixel limit, so it was not decoded",
    ErrorKind.NOT_IMAGE: "is not an image (no image extension or signature); not hashed",
    ErrorKind.NOT_REGULAR: "is not a regular file (device, FIFO or socket); never opened",
    ErrorKind.SYMLINK_LOOP: "is a symbolic link that loops",
    ErrorKind.CHANGED: "changed while the scan ran (size or modification time moved)",
    ErrorKind.WORKER_DIED: "was in a batch whose worker process died twice",
    ErrorKind.MODEL_ERROR: "was hashed but a model could not score it",
    ErrorKind.ARCHIVE_BOMB: "is an archive that crossed an unpacking limit (bytes, ratio or entries); not unpacked",
    ErrorKind.ENCRYPTED: "is encrypted (an archive member or a PDF); no password is tried",
    ErrorKind.SYMLINK_MEMBER: "is a link stored inside an archive; not followed",
}

# Short names, so rows and tests read `kinds.CORRUPT`.
UNREADABLE = ErrorKind.UNREADABLE
CORRUPT = ErrorKind.CORRUPT
ZERO_BYTE = ErrorKind.ZERO_BYTE
TOO_LARGE = ErrorKind.TOO_LARGE
NOT_IMAGE = ErrorKind.NOT_IMAGE
NOT_REGULAR = ErrorKind.NOT_REGULAR
SYMLINK_LOOP = ErrorKind.SYMLINK_LOOP
CHANGED = ErrorKind.CHANGED
WORKER_DIED = ErrorKind.WORKER_DIED
MODEL_ERROR = ErrorKind.MODEL_ERROR
ARCHIVE_BOMB = ErrorKind.ARCHIVE_BOMB
ENCRYPTED = ErrorKind.ENCRYPTED
SYMLINK_MEMBER = ErrorKind.SYMLINK_MEMBER

ALL_KINDS: tuple[ErrorKind, ...] = tuple(ErrorKind)

# Kinds that are not a failure to look at an image, just files that are not images.
SKIPPED_KINDS: tuple[ErrorKind, ...] = (ErrorKind.NOT_IMAGE,)
