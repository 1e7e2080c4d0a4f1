"""Reviewer-safe previews: tiny, greyscale, blurred, and only of the file that was scanned.

A preview is drawn only when asked for, from the file on disk, after checking
that its sha256 still matches the scan (so a swapped file is never shown). It
is a small JPEG data URI, not a copy of the file: a reviewer sees enough to
decide whether to open the item in their forensic tool, and no more.
"""

from __future__ import annotations

import base64
import io
from typing import Optional

PREVIEW_SIDE = 64  # longest side in pixels
BLUR_RADIUS = 3.0
JPEG_QUALITY = 60


def make_preview(path: str, expected_sha256: Optional[str], max_bytes: int) -> tuple[Optional[str], Optional[str]]:
    """(data URI, None) or (None, why there is no preview)."""
    from PIL import ImageFilter

    from saferkit.core.digest import bytes_sha256
    from saferkit.hashing.decode import open_image

    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, f"cannot read the file now ({exc.strerror or exc})"
    if len(data) > max_bytes:
        return None, "file is over the byte limit"
    if expected_sha256 is None or bytes_sha256(data) != expected_sha256:
        return None, "file changed since the scan; no preview"
    try:
        image = open_image(data)
        image.draft("L", (PREVIEW_SIDE * 4, PREVIEW_SIDE * 4))
        image = image.convert("L")
        image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        image = image.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    except Exception as exc:  # noqa: BLE001 - no preview is a fine outcome for a broken file
        return None, f"cannot draw a preview ({exc})"
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), None
