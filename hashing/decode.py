"""Hashing's view of the one decode (`saferkit.core.media`, where the policy is written down).

Every perceptual hash reads luma only, so hashing asks the core decode for
`for_hashes()`: large JPEGs at a reduced scale (DCT scaling while the shorter
side stays >= `DRAFT_MIN_SIDE`) and colour JPEGs straight to their Y plane.
The imagehash algorithms then get a greyscale copy reduced by an integer box
factor while its shorter side stays >= `IMAGEHASH_MIN_SIDE` (they shrink to
32x32 or less anyway; measured drift: about 0.1 bit on average, 2 at most).

Decode failures come out as `HashingError` (a `MediaError`) with the same kinds.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from PIL import Image

from saferkit.core import media
from saferkit.core.media import DRAFT_MIN_SIDE, MAX_IMAGE_PIXELS, DecodedImage, MediaError
from saferkit.hashing.errors import HashingError

__all__ = ["DRAFT_MIN_SIDE", "IMAGEHASH_MIN_SIDE", "MAX_IMAGE_PIXELS", "MAX_PIXELS", "DEFAULT_POLICY", "DecodePolicy",
           "DecodedImage", "decode_for_hashes", "decode_rgb", "hashing_errors"]

MAX_PIXELS = MAX_IMAGE_PIXELS  # the same limit under the name serving looked up

# The imagehash algorithms get a greyscale copy reduced while its shorter side stays >= this.
IMAGEHASH_MIN_SIDE = 256


@contextmanager
def hashing_errors() -> Iterator[None]:
    """Let a core MediaError out as the hashing package's HashingError, same message and kind."""
    try:
        yield
    except HashingError:
        raise
    except MediaError as exc:
        raise HashingError(str(exc), kind=exc.kind) from exc


class DecodePolicy(media.DecodePolicy):
    """The core decode policy; a bad value is a HashingError, the error hashing's callers expect."""

    def __post_init__(self) -> None:
        with hashing_errors():
            super().__post_init__()


DEFAULT_POLICY = DecodePolicy()
# Folders of seized media (`hash`, `match`, as the scan): a carved, truncated picture is decoded as far as it
# goes and marked `partial`; one file's `hash_file`/`hash_bytes` keeps DEFAULT_POLICY, where it is an error.
MEDIA_POLICY = DecodePolicy(partial=True)


def decode_rgb(data: bytes, policy: media.DecodePolicy = DEFAULT_POLICY) -> Image.Image:
    """`data` as 8-bit RGB at the scale the hashes read (large JPEGs reduced when the policy allows)."""
    with hashing_errors():
        return DecodedImage(data, policy).rgb(policy.draft_min_side)


def decode_for_hashes(data: bytes, policy: media.DecodePolicy = DEFAULT_POLICY) -> Image.Image:
    """What the hashes read: like `decode_rgb`, but a colour JPEG comes back as its 8-bit luma plane ("L").

    Every perceptual hash here reads luma only (ITU-R 601 weights, which are
    also JPEG's Y), so libjpeg can skip the chroma planes and the colour
    conversion: about half the decode time of a photo.
    """
    with hashing_errors():
        return DecodedImage(data, policy).for_hashes()
