"""The hashing package's error type."""

from __future__ import annotations

from saferkit.core.media import MediaError

# Short names for what went wrong with one file; summaries count rows by these.
ERROR_KINDS = ("empty", "not-image", "corrupt", "bomb", "unsupported", "missing", "permission", "unreadable", "option")


class HashingError(MediaError):
    """Input that cannot be hashed (not an image, truncated, a decompression bomb, a bad option).

    A `MediaError` (so a `UserError`); `kind` is one of `ERROR_KINDS`, so bulk runs can count failures by cause.
    """

    def __init__(self, message: str, *, kind: str = "option", exit_code: int | None = None) -> None:
        super().__init__(message, kind=kind, exit_code=exit_code)


class HashFailure(str):
    """Why one file could not be hashed: the message as a `str` (what callers print and store),
    plus `kind` (one of `ERROR_KINDS`) for counting."""

    kind: str

    def __new__(cls, message: str, kind: str = "corrupt") -> "HashFailure":
        value = super().__new__(cls, message)
        value.kind = kind
        return value
