"""The hashing package's error type."""

from __future__ import annotations

from saferkit.errors import UserError


class HashingError(UserError):
    """Input that cannot be hashed (not an image, truncated, a decompression bomb, a bad option)."""
