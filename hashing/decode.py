"""The one decode policy every perceptual hash in saferkit goes through.

Why one policy: two tools hashing the same file must produce the same hash, so
every choice that changes pixels is made here, once, and written down
(docs/hashing.md, "Decode policy"):

- Size limit first: the header is read and an image with more than
  `MAX_IMAGE_PIXELS` pixels is refused before any pixel is decoded.
- First frame only for multi-frame files (GIF, APNG, TIFF, WebP, MPO).
- Orientation: raw pixel order, as stored, like Meta's PDQ reference (which
  ignores the EXIF orientation tag). `exif_transpose=True` opts in to hashing
  the image as a viewer shows it.
- Large JPEGs are decoded at a reduced scale (libjpeg DCT scaling, "draft
  mode") so the shorter side stays at least `DRAFT_MIN_SIDE` (1024) pixels:
  photos of about 4 megapixels and more. PDQ and the imagehash algorithms
  reduce to 64x64 or smaller; measured on 12-megapixel photos, this moves PDQ
  by 0-2 bits and halves the time (at 512 it moved PDQ by up to 14 bits on
  2-3 megapixel photos, for a 10% gain once PDQ's reduction became cheap).
- Working sizes: the imagehash algorithms get the greyscale image reduced by
  an integer box factor while its shorter side stays at least
  `IMAGEHASH_MIN_SIDE` (they shrink to 32x32 or less anyway; measured drift:
  about 0.1 bit on average, 2 at most). PDQ gets the decoded image's luma as
  is and reduces it with the reference's own filter (`pdq_reduce.py`).
- Colour: every mode is converted to 8-bit RGB, except that for hashing a
  colour JPEG is decoded straight to its luma (Y) plane, the only channel any
  perceptual hash here reads (`decode_for_hashes`). Alpha is dropped (colour
  values under transparent pixels are kept, as the PDQ reference does) unless
  `alpha="white"` asks to composite onto white. Palette images are expanded.
  16-bit integer images keep their top 8 bits; 32-bit integer and float images
  are stretched linearly from their minimum to their maximum. CMYK and YCbCr use
  Pillow's conversion (no ICC colour management).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from saferkit.hashing.errors import HashingError

# Decompression-bomb limit: images with more pixels than this are refused unread.
# Others (serving, scan) should reuse this constant rather than pick their own.
MAX_IMAGE_PIXELS = 100_000_000
MAX_PIXELS = MAX_IMAGE_PIXELS  # the same limit under the name serving looks up

# Large JPEGs are decoded at 1/2, 1/4 or 1/8 scale while the shorter side stays >= this.
DRAFT_MIN_SIDE = 1024

# The imagehash algorithms get a greyscale copy reduced while its shorter side stays >= this.
IMAGEHASH_MIN_SIDE = 256

ALPHA_POLICIES = ("drop", "white")


@dataclass(frozen=True)
class DecodePolicy:
    """The choices that change pixels; the default matches the PDQ reference."""

    exif_transpose: bool = False
    alpha: str = "drop"
    draft: bool = True
    max_pixels: int = MAX_IMAGE_PIXELS

    def __post_init__(self) -> None:
        if self.alpha not in ALPHA_POLICIES:
            raise HashingError(f"unknown alpha policy {self.alpha!r}; use one of {', '.join(ALPHA_POLICIES)}.")
        if self.max_pixels <= 0:
            raise HashingError("the pixel limit must be a positive number of pixels.")


DEFAULT_POLICY = DecodePolicy()


def open_image(data: bytes, policy: DecodePolicy = DEFAULT_POLICY) -> Image.Image:
    """Read the header only; refuse empty input, non-images and bombs before decoding."""
    if not data:
        raise HashingError("empty file (0 bytes): nothing to decode.", kind="empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise HashingError(f"refused a decompression bomb: {exc}", kind="bomb") from exc
    except Image.UnidentifiedImageError as exc:
        raise HashingError("not an image, or an image format Pillow cannot read.", kind="not-image") from exc
    except Exception as exc:  # noqa: BLE001 - a hostile header may trip any decoder error; it is this file's problem
        raise HashingError(f"unreadable image header: {type(exc).__name__}: {exc}", kind="corrupt") from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise HashingError(f"image has an empty size {width}x{height}.", kind="corrupt")
    if width * height > policy.max_pixels:
        raise HashingError(
            f"refused a possible decompression bomb: {width}x{height} = {width * height:,} pixels "
            f"is over the limit of {policy.max_pixels:,}.",
            kind="bomb",
        )
    return image


def decode_rgb(data: bytes, policy: DecodePolicy = DEFAULT_POLICY) -> Image.Image:
    """Decode `data` into an 8-bit RGB image following the documented policy."""
    return _decode(data, policy, luma_only=False)


def decode_for_hashes(data: bytes, policy: DecodePolicy = DEFAULT_POLICY) -> Image.Image:
    """Like `decode_rgb`, but a colour JPEG comes back as its 8-bit luma plane (mode "L").

    Every perceptual hash here reads luma only (ITU-R 601 weights, which are
    also JPEG's Y), so libjpeg can skip the chroma planes and the colour
    conversion: about half the decode time of a photo.
    """
    return _decode(data, policy, luma_only=True)


def _decode(data: bytes, policy: DecodePolicy, luma_only: bool) -> Image.Image:
    image = open_image(data, policy)
    try:
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        if image.format == "JPEG":
            _apply_draft(image, policy.draft, luma_only)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
            if policy.exif_transpose:
                image = ImageOps.exif_transpose(image)
            if luma_only and image.mode == "L":
                return image
            return to_rgb(image, policy.alpha)
    except HashingError:
        raise
    except Image.DecompressionBombError as exc:
        raise HashingError(f"refused a decompression bomb: {exc}", kind="bomb") from exc
    except Exception as exc:  # noqa: BLE001 - any decoder failure is this file's problem, never the run's
        raise HashingError(f"cannot decode the image (truncated or corrupt?): {exc}", kind="corrupt") from exc


def _apply_draft(image: Image.Image, reduce: bool, luma_only: bool) -> None:
    """Ask libjpeg for a smaller scale (when allowed) and/or for its luma plane only."""
    width, height = image.size
    scale = 1
    if reduce:
        shorter = min(width, height)
        while scale < 8 and shorter // (scale * 2) >= DRAFT_MIN_SIDE:
            scale *= 2
    if scale > 1 or luma_only:
        # Pillow switches to "L" only for colour (YCbCr) JPEGs; CMYK and grey ones keep their mode.
        image.draft("L" if luma_only else None, (width // scale, height // scale))


def to_rgb(image: Image.Image, alpha: str = "drop") -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB (see the module docstring for the rules)."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        pixels = np.asarray(image, dtype=np.uint16) >> 8
        return Image.fromarray(pixels.astype(np.uint8), "L").convert("RGB")
    if mode in ("I", "F"):
        return Image.fromarray(_stretch(np.asarray(image, dtype=np.float64)), "L").convert("RGB")
    if mode == "P":
        has_alpha = "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
    if mode == "PA":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "RGBa", "La"):
        if mode in ("RGBa", "La"):
            image = image.convert("RGBA" if mode == "RGBa" else "LA")
        if alpha == "white":
            rgba = image.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(background, rgba).convert("RGB")
        return image.convert("RGB")
    try:
        return image.convert("RGB")
    except ValueError as exc:
        raise HashingError(f"unsupported image mode {mode!r}: cannot convert it to RGB.", kind="unsupported") from exc


def _stretch(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, dtype=np.uint8)
    low, high = float(values[finite].min()), float(values[finite].max())
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (np.where(finite, values, low) - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
