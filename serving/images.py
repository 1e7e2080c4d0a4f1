"""Uploaded images decoded in memory under the deployment's limits.

The header is read first, by the one decode (`saferkit.core.media`, the one
place that defines what counts as a decompression bomb): an image beyond the
pixel limit is refused (413) before a single pixel is decoded, and a format
outside the deployment's allowed list is refused (415); by default that list
is the one decode's `IMAGE_FORMATS`, exactly what the scan reads (HEIC/HEIF
and AVIF included). Truncated or undecodable files are a 422. Nothing
touches the disk.

Triage gets the full-size RGB image of the one decode (no JPEG draft mode),
so the model sees exactly the pixels the evaluation harness gave it; hashing
an upload reuses the same decoded object.
"""

from __future__ import annotations

from PIL import Image

from saferkit.core.media import MAX_IMAGE_PIXELS, DecodedImage, DecodePolicy, MediaError
from saferkit.serving.api_errors import ApiError

STATUS_BY_KIND = {"bomb": 413}  # every other kind of undecodable input is a 422


def default_max_pixels() -> int:
    """The core decode's pixel limit, so hashing, scan and serving refuse the same files."""
    return int(MAX_IMAGE_PIXELS)


def as_api_error(error: MediaError, label: str) -> ApiError:
    """A decoding or hashing failure as the HTTP error for that upload."""
    suffix = " It was not decoded." if error.kind == "bomb" else ""
    return ApiError(STATUS_BY_KIND.get(error.kind, 422), f"{label}: {error}{suffix}")


def open_checked(data: bytes, label: str, max_pixels: int, allowed_formats: tuple[str, ...]) -> DecodedImage:
    """Read the header and check size and format; pixels are decoded when the caller asks for them."""
    decoded = DecodedImage(data, DecodePolicy(max_pixels=max_pixels))
    try:
        image_format = decoded.format
    except MediaError as exc:
        raise as_api_error(exc, label) from None
    if image_format not in allowed_formats:
        raise ApiError(415, f"{label} is {image_format}, which this server does not accept; "
                            f"allowed: {', '.join(allowed_formats)}.")
    return decoded


def decode_image(data: bytes, label: str, max_pixels: int, allowed_formats: tuple[str, ...]) -> Image.Image:
    """The full-size RGB image (first frame of multi-frame files) after the header checks pass."""
    decoded = open_checked(data, label, max_pixels, allowed_formats)
    try:
        return decoded.rgb()
    except MediaError as exc:
        raise as_api_error(exc, label) from None
