"""The one image decode every package goes through: hashes, models, previews, training.

Why one: a file must give the same pixels wherever it is read (a hash in the
scan equals the hash `saferkit hash` wrote; a model scores in the scan and the
server the pixels it was evaluated on), and every choice that changes pixels is
made here, once (docs/hashing.md, "Decoding"):

- Pixel limit first: the header is read and an image of more than
  `MAX_IMAGE_PIXELS` pixels (or the policy's `max_pixels`) is refused as a
  decompression bomb before any pixel is decoded.
- Formats: everything Pillow reads, plus HEIC/HEIF through `pillow-heif`
  (registered on first use) and AVIF through Pillow's own plugin;
  `IMAGE_FORMATS` names what the scan and the server both accept.
- Pixel limit: the kit's own (`MAX_IMAGE_PIXELS` or the policy's), for every
  format; Pillow's own bomb check is switched off so that no file is refused
  by a different number.
- First frame for the hashes of a multi-frame file (GIF, APNG, TIFF, WebP,
  MPO); `frames()` gives every frame, up to a limit, for the scan.
- Truncated files (carved JPEGs and PNGs): with `DecodePolicy(partial=True)`
  (the scan's policy) a decode that fails on a truncated stream is run again
  keeping the pixels that are there, and `DecodedImage.partial` becomes True,
  so the row can say so. By default (hashing a list, checking a data set,
  the server) a truncated file stays an error.
- Orientation: raw pixel order, as stored, like Meta's PDQ reference (which
  ignores the EXIF orientation tag); `exif_transpose=True` opts in to the
  image as a viewer shows it, for hashes and models alike.
- Colour: every mode becomes 8-bit RGB (`to_rgb`). Alpha is dropped: the
  colours under transparent pixels are kept, as the PDQ reference does, so a
  transparent layer hides nothing from the hashes or from a model;
  `alpha="white"` composites onto white instead. Palette images are expanded.
  16-bit integer images keep their top 8 bits (the full 16-bit range maps onto
  the full 8-bit range, so a dark scan stays dark); 32-bit integer and float
  images, which have no fixed range, are stretched from their minimum to their
  maximum. CMYK and YCbCr use Pillow's conversion (no ICC colour management).
- Sizes: models get the full-size image (`DecodedImage.rgb()`). Readers that
  reduce anyway (the perceptual hashes, previews) may ask for a large JPEG at
  1/2, 1/4 or 1/8 scale (libjpeg DCT scaling) while its shorter side stays at
  least a given size, and for luma only (`for_luma`): a colour JPEG then
  decodes straight to its Y plane, skipping chroma and colour conversion.

Before this module, evaluation's own `to_rgb` composited alpha onto white and
divided high-bit-depth pixels by the image's maximum (so a float image in 0-1
came out black and a 16-bit image was brightened to its own maximum). The rule
kept is the hashing one above, because hashes must stay those of the PDQ
reference and of the lists already made with saferkit; models now see the
same pixels as the hashes.

One object per file: `DecodedImage(data, policy)` reads the header once and
keeps every decode it makes, so hashes, the model input and a preview share
it. A PNG (or any non-JPEG) is decoded once for all of them. A colour JPEG
whose luma and full-size RGB are both wanted is run through libjpeg twice
(Y plane at the hash scale, RGB at full size): one YCbCr decode plus Pillow's
colour conversion measured no faster (2.6 against 2.5 ms at 640x480) and
changes the RGB by one level in almost half the values.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
from PIL import Image, ImageFile, ImageOps

from saferkit.core.errors import UserError
from saferkit.core.media_types import IMAGE_FORMATS  # noqa: F401 - the formats this decode reads, named here too

# Decompression-bomb limit: images with more pixels than this are refused unread.
MAX_IMAGE_PIXELS = 100_000_000

# The kit's limit is the only one: Pillow's own check (a different number) is off; `open_image` enforces ours.
Image.MAX_IMAGE_PIXELS = None

# Frames read from one multi-frame image (animated GIF/WebP/APNG, multi-page TIFF), and their pixels in all.
MAX_FRAMES = 64
FRAME_PIXEL_BUDGET = 4 * MAX_IMAGE_PIXELS  # so 64 frames of a huge animation cannot take the time of 64 huge pictures


_PLUGINS = threading.Lock()
_plugins_registered = False
_TRUNCATED = threading.Lock()  # Pillow keeps "load truncated images" as a module setting


def register_plugins() -> None:
    """Teach Pillow HEIC/HEIF (pillow-heif), once per process; AVIF is Pillow's own."""
    global _plugins_registered
    if _plugins_registered:
        return
    with _PLUGINS:
        if not _plugins_registered:
            try:
                from pillow_heif import register_heif_opener

                register_heif_opener()
            except ImportError:  # pragma: no cover - a core dependency; HEIC files then read as not-image
                pass
            _plugins_registered = True


# Readers that reduce anyway get large JPEGs at 1/2, 1/4 or 1/8 scale while the shorter side stays >= this.
DRAFT_MIN_SIDE = 1024

ALPHA_POLICIES = ("drop", "white")

# Short names for why an image could not be decoded (the hashing package adds file and option kinds).
MEDIA_ERROR_KINDS = ("empty", "not-image", "corrupt", "bomb", "unsupported", "missing", "permission", "unreadable", "option")


class MediaError(UserError):
    """Media that cannot be decoded: empty, not an image, truncated or corrupt, a decompression bomb.

    `kind` is one of `MEDIA_ERROR_KINDS`, so bulk runs can count failures by cause.
    """

    def __init__(self, message: str, *, kind: str = "corrupt", exit_code: int | None = None) -> None:
        super().__init__(message, exit_code=exit_code)
        self.kind = kind


@dataclass(frozen=True)
class DecodePolicy:
    """The choices that change pixels; the default matches the PDQ reference.

    `draft` lets readers that reduce anyway (hashes) take large JPEGs at a
    reduced scale; the full-size RGB for models never is.
    """

    exif_transpose: bool = False
    alpha: str = "drop"
    draft: bool = True
    max_pixels: int = MAX_IMAGE_PIXELS
    partial: bool = False  # decode what a truncated file holds (carved evidence) instead of refusing it

    def __post_init__(self) -> None:
        if self.alpha not in ALPHA_POLICIES:
            raise MediaError(f"unknown alpha policy {self.alpha!r}; use one of {', '.join(ALPHA_POLICIES)}.", kind="option")
        if self.max_pixels <= 0:
            raise MediaError("the pixel limit must be a positive number of pixels.", kind="option")

    @property
    def draft_min_side(self) -> Optional[int]:
        """The shorter side a reduced JPEG decode keeps, or None when the policy forbids reducing."""
        return DRAFT_MIN_SIDE if self.draft else None


DEFAULT_POLICY = DecodePolicy()
SCAN_POLICY = DecodePolicy(partial=True)  # seized media: a carved, truncated picture is evidence too


def open_image(data: bytes, policy: DecodePolicy = DEFAULT_POLICY) -> Image.Image:
    """Read the header only; refuse empty input, non-images and bombs before decoding."""
    if not data:
        raise MediaError("empty file (0 bytes): nothing to decode.", kind="empty")
    register_plugins()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise MediaError(f"refused a decompression bomb: {exc}", kind="bomb") from exc
    except Image.UnidentifiedImageError as exc:
        raise MediaError("not an image, or an image format Pillow cannot read.", kind="not-image") from exc
    except Exception as exc:  # noqa: BLE001 - a hostile header may trip any decoder error; it is this file's problem
        raise MediaError(f"unreadable image header: {type(exc).__name__}: {exc}", kind="corrupt") from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise MediaError(f"image has an empty size {width}x{height}.", kind="corrupt")
    if width * height > policy.max_pixels:
        raise MediaError(
            f"refused a possible decompression bomb: {width}x{height} = {width * height:,} pixels "
            f"is over the limit of {policy.max_pixels:,}.",
            kind="bomb",
        )
    return image


def _frames_in(image: Image.Image) -> int:
    """Frames (or pages) an opened image holds; 1 when its frame table does not parse."""
    try:
        return int(getattr(image, "n_frames", 1) or 1)
    except Exception:  # noqa: BLE001 - a frame table that does not parse: treat as one frame
        return 1


class DecodedImage:
    """One image's bytes, decoded on first use and shared by every reader (see the module docstring).

    Nothing is read when it is made; the header is checked on first use and a
    MediaError is raised (again, on every call) when it fails.
    """

    def __init__(self, data: bytes, policy: DecodePolicy = DEFAULT_POLICY) -> None:
        self.data = data
        self.policy = policy
        self._unused: Optional[Image.Image] = None  # the header's image object, until a decode takes it
        self._header: Optional[tuple[str, str, tuple[int, int]]] = None  # format, mode, size
        self._error: Optional[MediaError] = None
        self._decoded: dict[tuple[int, bool], Image.Image] = {}  # (JPEG scale, luma only) -> decoded image
        self._rgb: dict[tuple[int, bool], Image.Image] = {}
        self.partial = False  # True once a decode kept only the pixels a truncated file holds
        self._frame_count: Optional[int] = None

    # -- the header -------------------------------------------------------------------------
    def _check_header(self) -> tuple[str, str, tuple[int, int]]:
        if self._error is not None:
            raise self._error
        if self._header is None:
            try:
                image = open_image(self.data, self.policy)
            except MediaError as exc:
                self._error = exc
                raise
            self._unused = image
            self._header = (image.format or "", image.mode, image.size)
        return self._header

    @property
    def format(self) -> str:
        """The file format Pillow found ("JPEG", "PNG", ...); reads the header."""
        return self._check_header()[0]

    @property
    def size(self) -> tuple[int, int]:
        """Width and height as stored (before any EXIF turn); reads the header."""
        return self._check_header()[2]

    # -- decodes ----------------------------------------------------------------------------
    def rgb(self, min_side: Optional[int] = None) -> Image.Image:
        """8-bit RGB by the policy's rules; full size unless `min_side` lets a large JPEG be reduced.

        The image is shared with every other reader of this object: copy it before changing it.
        """
        key = self._key(min_side, luma=False)
        if key not in self._rgb:
            decoded = self._decode(key)
            try:
                self._rgb[key] = to_rgb(decoded, self.policy.alpha)
            except MediaError:
                raise
            except Exception as exc:  # noqa: BLE001 - a conversion tripping on odd pixels is this file's problem
                raise MediaError(f"cannot convert the image to RGB: {type(exc).__name__}: {exc}", kind="corrupt") from exc
        return self._rgb[key]

    def for_luma(self, min_side: Optional[int] = None) -> Image.Image:
        """The image for readers of luma alone: "L" when it decodes grey (a colour JPEG decodes to its
        Y plane), otherwise the RGB image, whose luma the reader computes. Shared: copy before changing."""
        decoded = self._decode(self._key(min_side, luma=True))
        # Only a colour JPEG gets a decode of its own for luma, and that one is always "L".
        return decoded if decoded.mode == "L" else self.rgb(min_side)

    def for_hashes(self) -> Image.Image:
        """What the perceptual hashes read: `for_luma` at the policy's reduced JPEG scale."""
        return self.for_luma(self.policy.draft_min_side)

    def _key(self, min_side: Optional[int], luma: bool) -> tuple[int, bool]:
        """Which decode serves a request: (JPEG scale, Y plane only); (1, False) for every other format."""
        image_format, mode, (width, height) = self._check_header()
        if image_format != "JPEG":
            return 1, False
        scale = 1
        if min_side is not None:
            shorter = min(width, height)
            while scale < 8 and shorter // (scale * 2) >= min_side:
                scale *= 2
        # Pillow decodes only colour (YCbCr) JPEGs to their luma plane; CMYK and grey ones keep their mode.
        return scale, luma and mode == "RGB"

    def _decode(self, key: tuple[int, bool]) -> Image.Image:
        if key not in self._decoded:
            self._decoded[key] = self._load(*key)
        return self._decoded[key]

    def _load(self, scale: int, luma: bool) -> Image.Image:
        self._check_header()
        image, self._unused = self._unused, None
        try:
            if image is None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    image = Image.open(io.BytesIO(self.data))  # the same bytes, already checked
            self._frame_count = _frames_in(image)
            if self._frame_count > 1:
                image.seek(0)
            if scale > 1 or luma:
                width, height = image.size
                image.draft("L" if luma else None, (width // scale, height // scale))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._load_pixels(image)
                if self.policy.exif_transpose:
                    image = ImageOps.exif_transpose(image)
            return image
        except Image.DecompressionBombError as exc:
            raise MediaError(f"refused a decompression bomb: {exc}", kind="bomb") from exc
        except Exception as exc:  # noqa: BLE001 - any decoder failure is this file's problem, never the run's
            raise MediaError(f"cannot decode the image (truncated or corrupt?): {exc}", kind="corrupt") from exc


    def _load_pixels(self, image: Image.Image) -> None:
        """Decode the pixels; a truncated stream keeps what is there and marks the object `partial`."""
        try:
            image.load()
            return
        except OSError as exc:
            if not self.policy.partial or ("truncated" not in str(exc) and "broken data stream" not in str(exc)):
                raise
        with _TRUNCATED:
            ImageFile.LOAD_TRUNCATED_IMAGES = True
            try:
                image.load()
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = False
        self.partial = True

    @property
    def frame_count(self) -> int:
        """Frames (or pages) the file holds; 1 for a still image. Reads the header (once: a decode counts them)."""
        self._check_header()
        if self._frame_count is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._frame_count = _frames_in(Image.open(io.BytesIO(self.data)))
        return self._frame_count

    def frames(self, limit: int = MAX_FRAMES) -> Iterator[Image.Image]:
        """Every frame, up to `limit` and `FRAME_PIXEL_BUDGET` pixels in all, as 8-bit RGB by the policy's
        rules (what the scan hashes and scores), one at a time so only one is held in memory.

        A frame that does not decode ends the frames (the ones before it were given).
        """
        width, height = self._check_header()[2]
        limit = max(1, min(limit, FRAME_PIXEL_BUDGET // max(1, width * height)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(self.data))
            for number in range(min(limit, int(getattr(image, "n_frames", 1) or 1))):
                try:
                    image.seek(number)
                    self._load_pixels(image)
                    frame = ImageOps.exif_transpose(image) if self.policy.exif_transpose else image
                    rgb = to_rgb(frame.copy(), self.policy.alpha)
                except Exception:  # noqa: BLE001 - a broken frame ends the frames, not the file
                    return
                yield rgb


def read_media(path: str | Path) -> bytes:
    """A file's bytes, with reading failures as MediaError kinds (missing, permission, unreadable)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise MediaError("file vanished or does not exist.", kind="missing") from None
    except PermissionError:
        raise MediaError("permission denied: cannot read the file.", kind="permission") from None
    except IsADirectoryError:
        raise MediaError("is a directory, not a file.", kind="unreadable") from None
    except OSError as exc:
        raise MediaError(f"cannot read the file: {exc.strerror or exc}", kind="unreadable") from None


def load_rgb(path: str | Path, policy: DecodePolicy = DEFAULT_POLICY) -> Image.Image:
    """A file's full-size 8-bit RGB image, as models see it; MediaError when it cannot be read or decoded."""
    return DecodedImage(read_media(path), policy).rgb()


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
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
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
        raise MediaError(f"unsupported image mode {mode!r}: cannot convert it to RGB.", kind="unsupported") from exc


def _stretch(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, dtype=np.uint8)
    low, high = float(values[finite].min()), float(values[finite].max())
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (np.where(finite, values, low) - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
