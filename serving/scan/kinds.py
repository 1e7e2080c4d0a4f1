"""What can go wrong with one file, named once so rows, summary and report agree.

Every problem a file can have during a scan ends as one of these kinds in the
row's `error` column; the scan never stops for one file.
"""

from __future__ import annotations

UNREADABLE = "unreadable"  # permission denied, I/O error, vanished since the walk
CORRUPT = "corrupt"  # looks like an image but cannot be decoded
ZERO_BYTE = "zero_byte"
TOO_LARGE = "too_large"  # over --max-bytes, or over the hashing pixel limit
NOT_IMAGE = "not_image"  # neither an image extension nor image magic bytes
NOT_REGULAR = "not_regular"  # device, FIFO, socket: never opened
SYMLINK_LOOP = "symlink_loop"
CHANGED = "changed_during_scan"  # size or mtime moved between listing and reading
WORKER_DIED = "worker_died"  # its batch was retried once and the worker died again
MODEL_ERROR = "model_error"  # the file hashed but a model could not score it

DESCRIPTIONS: dict[str, str] = {
    UNREADABLE: "could not be read (permissions, I/O error, or removed since the walk)",
    CORRUPT: "has an image signature or extension but could not be decoded",
    ZERO_BYTE: "is empty (0 bytes)",
    TOO_LARGE: "is over the byte limit or the pixel limit, so it was not decoded",
    NOT_IMAGE: "is not an image (no image extension or signature); not hashed",
    NOT_REGULAR: "is not a regular file (device, FIFO or socket); never opened",
    SYMLINK_LOOP: "is a symbolic link that loops",
    CHANGED: "changed while the scan ran (size or modification time moved)",
    WORKER_DIED: "was in a batch whose worker process died twice",
    MODEL_ERROR: "was hashed but a model could not score it",
}

ALL_KINDS: tuple[str, ...] = tuple(DESCRIPTIONS)

# Kinds that are not a failure to look at an image, just files that are not images.
SKIPPED_KINDS: tuple[str, ...] = (NOT_IMAGE,)
