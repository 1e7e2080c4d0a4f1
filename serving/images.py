"""Uploaded images decoded in memory under the deployment's limits.

The header is read first: a format outside the allowed list is refused (415)
and an image beyond the pixel limit is refused (413) before a single pixel is
decoded, so decompression bombs never reach the decoder. Truncated or
undecodable files are a 422. Nothing touches the disk.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from saferkit.serving.api_errors import ApiError

FALLBACK_MAX_PIXELS = 50_000_000


def default_max_pixels() -> int:
    """The hashing package's pixel limit, so hashing and serving refuse the same files."""
    try:
        from saferkit.hashing import MAX_PIXELS  # type: ignore[attr-defined]
    except ImportError:
        return FALLBACK_MAX_PIXELS
    return int(MAX_PIXELS)


def open_checked(data: bytes, label: str, max_pixels: int, allowed_formats: tuple[str, ...]) -> Image.Image:
    """Open (header only) and check format and size; the caller decides when to decode."""
    if not data:
        raise ApiError(422, f"{label} is empty; send the image file's bytes.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(allowed_formats))
        except Image.DecompressionBombError:
            raise ApiError(413, f"{label} has more pixels than this server accepts ({max_pixels}); it was not decoded.") from None
        except UnidentifiedImageError:
            raise _unidentified(data, label, allowed_formats) from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ApiError(422, f"{label} is not a readable image ({exc}).") from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ApiError(422, f"{label} declares an empty image ({width}x{height}).")
    if width * height > max_pixels:
        raise ApiError(413, f"{label} is {width}x{height} = {width * height} pixels, over this server's limit of "
                            f"{max_pixels}; it was not decoded.")
    return image


def _unidentified(data: bytes, label: str, allowed_formats: tuple[str, ...]) -> ApiError:
    """415 for a real image in a format this deployment does not accept, 422 for anything else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fmt = Image.open(io.BytesIO(data)).format
    except Exception:  # noqa: BLE001 - any failure here means "not an image we know"
        fmt = None
    if fmt:
        return ApiError(415, f"{label} is {fmt}, which this server does not accept; allowed: {', '.join(allowed_formats)}.")
    return ApiError(422, f"{label} is not an image in any accepted format ({', '.join(allowed_formats)}).")


def decode_image(data: bytes, label: str, max_pixels: int, allowed_formats: tuple[str, ...]) -> Image.Image:
    """A fully decoded image (first frame of multi-frame files) after the header checks pass."""
    image = open_checked(data, label, max_pixels, allowed_formats)
    try:
        image.load()
    except Image.DecompressionBombError:
        raise ApiError(413, f"{label} has more pixels than this server accepts; it was not decoded.") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ApiError(422, f"{label} is truncated or corrupt and cannot be decoded ({exc}).") from None
    return image
