"""Uploaded images decoded in memory under the deployment's limits.

The header is read first, by the hashing package's decode policy (the one
place that defines what counts as a decompression bomb): an image beyond the
pixel limit is refused (413) before a single pixel is decoded, and a format
outside the deployment's allowed list is refused (415). Truncated or
undecodable files are a 422. Nothing touches the disk.

Triage decodes at full resolution (no JPEG draft mode), so the model sees
exactly the pixels the evaluation harness gave it.
"""

from __future__ import annotations

import warnings

from PIL import Image

from saferkit.hashing import HashingError
from saferkit.hashing.decode import DecodePolicy, open_image
from saferkit.serving.api_errors import ApiError

STATUS_BY_KIND = {"bomb": 413}  # every other kind of undecodable input is a 422


def default_max_pixels() -> int:
    """The hashing package's pixel limit, so hashing, scan and serving refuse the same files."""
    from saferkit.hashing import MAX_IMAGE_PIXELS

    return int(MAX_IMAGE_PIXELS)


def as_api_error(error: HashingError, label: str) -> ApiError:
    """A hashing/decoding failure as the HTTP error for that upload."""
    suffix = " It was not decoded." if error.kind == "bomb" else ""
    return ApiError(STATUS_BY_KIND.get(error.kind, 422), f"{label}: {error}{suffix}")


def open_checked(data: bytes, label: str, max_pixels: int, allowed_formats: tuple[str, ...]) -> Image.Image:
    """Open (header only) and check size and format; the caller decides when to decode."""
    try:
        image = open_image(data, DecodePolicy(max_pixels=max_pixels))
    except HashingError as exc:
        raise as_api_error(exc, label) from None
    if image.format not in allowed_formats:
        raise ApiError(415, f"{label} is {image.format}, which this server does not accept; "
                            f"allowed: {', '.join(allowed_formats)}.")
    return image


def decode_image(data: bytes, label: str, max_pixels: int, allowed_formats: tuple[str, ...]) -> Image.Image:
    """A fully decoded image (first frame of multi-frame files) after the header checks pass."""
    image = open_checked(data, label, max_pixels, allowed_formats)
    try:
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
    except Image.DecompressionBombError:
        raise ApiError(413, f"{label} has more pixels than this server accepts; it was not decoded.") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ApiError(422, f"{label} is truncated or corrupt and cannot be decoded ({exc}).") from None
    return image
