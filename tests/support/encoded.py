"""Images encoded in memory, the way the kit receives them (bytes, never a file)."""

from __future__ import annotations

import io

from PIL import Image


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    """`image` saved as `fmt` (PNG, JPEG, TIFF, ...) into bytes."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()
