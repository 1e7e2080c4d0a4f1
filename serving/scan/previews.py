"""Reviewer-safe previews: tiny, greyscale, blurred, and only of the file that was scanned.

A preview is drawn only when asked for, from the file on disk, after checking
that its sha256 still matches the scan (so a swapped file is never shown). It
is a small JPEG data URI, not a copy of the file: a reviewer sees enough to
decide whether to open the item in their forensic tool, and no more.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from saferkit.core.media import DecodedImage

PREVIEW_SIDE = 64  # longest side in pixels
BLUR_RADIUS = 3.0
JPEG_QUALITY = 60
VIDEO_PREVIEW_FRAMES = 3  # a video's previews: its best frames only, at most this many


def _read_checked(path: str, expected_sha256: Optional[str], max_bytes: int) -> tuple[Optional[bytes], Optional[str]]:
    """The file's bytes when they are still what was scanned, else (None, why)."""
    from saferkit.core.digest import bytes_sha256

    if "!/" in path:
        return None, "inside a container or disk image; open it in your forensic tool"
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, f"cannot read the file now ({exc.strerror or exc})"
    if len(data) > max_bytes:
        return None, "file is over the byte limit"
    if expected_sha256 is None or bytes_sha256(data) != expected_sha256:
        return None, "file changed since the scan; no preview"
    return data, None


def make_preview(path: str, expected_sha256: Optional[str], max_bytes: int) -> tuple[Optional[str], Optional[str]]:
    """(data URI, None) or (None, why there is no preview)."""
    from saferkit.core.media import DecodedImage

    data, why = _read_checked(path, expected_sha256, max_bytes)
    if data is None:
        return None, why
    return preview_of(DecodedImage(data))


def video_previews(path: str, expected_sha256: Optional[str], max_bytes: int,
                   timestamps: list[float]) -> tuple[list[dict[str, Any]], Optional[str]]:
    """([{timestamp, preview}], None) for a video's best frames (the scan's sampling finds the same frames),
    or ([], why there is none). Drawn like a picture's: 64 px, greyscale, blurred."""
    from saferkit.serving.video import frame_previews

    wanted = [round(float(t), 3) for t in timestamps[:VIDEO_PREVIEW_FRAMES]]
    if not wanted:
        return [], "no frame was scored or matched"
    data, why = _read_checked(path, expected_sha256, max_bytes)
    if data is None:
        return [], why
    try:
        found = frame_previews(data, wanted)
    except Exception as exc:  # noqa: BLE001 - no preview is a fine outcome for a broken file
        return [], f"cannot draw a preview ({exc})"
    shown = [{"timestamp": t, "preview": found[t]} for t in wanted if t in found]
    return shown, None if shown else "no frame at those moments"


def preview_of(decoded: DecodedImage) -> tuple[Optional[str], Optional[str]]:
    """The preview of an image already in the one decode (a scan that has it need not decode again)."""
    from PIL import ImageFilter

    try:
        # Luma only, and a large JPEG at a reduced scale: a 64-pixel grey preview needs no more.
        image = decoded.for_luma(PREVIEW_SIDE * 4).convert("L")
        image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        image = image.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    except Exception as exc:  # noqa: BLE001 - no preview is a fine outcome for a broken file
        return None, f"cannot draw a preview ({exc})"
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), None
