"""Robustness transforms: what happens to images between capture and a tool.

One module for everything that perturbs images on purpose: the evaluation's
robustness section and the hashing benchmarks both use it, so "JPEG at
severity 3" means the same everywhere.

`apply_transform(image, name, severity, seed)` returns a new RGB PIL image and
never changes its input. The result depends only on the arguments (the seed
drives the random parts: crop position, noise, text placement). Severity runs
from 1 (mild) to 5 (harsh); `TRANSFORM_LEVELS` lists the parameter per
severity. Output size: `downscale` and `crop` return a smaller image, `pad` a
larger one, everything else keeps the size.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from saferkit.core.errors import UserError

SEVERITIES: tuple[int, ...] = (1, 2, 3, 4, 5)

# Parameter per severity 1..5 (what each number means is in the function that uses it).
TRANSFORM_LEVELS: dict[str, tuple] = {
    "jpeg": (80, 60, 40, 20, 8),  # JPEG quality
    "downscale": (0.8, 0.6, 0.45, 0.3, 0.2),  # kept fraction of each side
    "crop": (0.9, 0.8, 0.7, 0.6, 0.5),  # kept fraction of each side
    "pad": (0.1, 0.2, 0.35, 0.5, 0.75),  # added border, as a share of the longer side
    "rotate": (5, 10, 20, 30, 45),  # degrees, either direction
    "mirror": ("horizontal", "vertical", "rotate180", "transpose", "transverse"),  # dihedral variants
    "blur": (0.5, 1.0, 1.5, 2.5, 4.0),  # Gaussian radius as a share of 64 px
    "noise": (4, 8, 16, 28, 45),  # Gaussian sigma, grey levels
    "gamma": (0.85, 0.7, 0.55, 0.4, 0.3),  # gamma exponent ( < 1 brightens)
    "brightness": (0.8, 0.65, 0.5, 0.35, 0.2),  # brightness factor (darker)
    "overlay_text": (1, 2, 4, 6, 9),  # lines of caption text
    "watermark": (0.15, 0.25, 0.4, 0.55, 0.7),  # opacity of a tiled watermark
    "greyscale": (0.2, 0.4, 0.6, 0.8, 1.0),  # share of colour removed
}
TRANSFORMS: tuple[str, ...] = tuple(TRANSFORM_LEVELS)
# Transforms whose damage grows with severity (mirror only changes orientation).
MONOTONE_TRANSFORMS: tuple[str, ...] = tuple(name for name in TRANSFORMS if name != "mirror")

WORDS = ("sample", "photo", "upload", "shared", "copy", "saved", "img", "forwarded", "new", "pic", "2024", "story")


def _jpeg(image: Image.Image, quality: int, rng: np.random.Generator) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")


def _downscale(image: Image.Image, keep: float, rng: np.random.Generator) -> Image.Image:
    size = (max(1, round(image.width * keep)), max(1, round(image.height * keep)))
    return image.resize(size, Image.Resampling.BILINEAR)


def _crop(image: Image.Image, keep: float, rng: np.random.Generator) -> Image.Image:
    width, height = max(1, round(image.width * keep)), max(1, round(image.height * keep))
    anchor_x, anchor_y = rng.random(2)  # relative anchor: crops at higher severity nest inside milder ones
    left = round(anchor_x * (image.width - width))
    top = round(anchor_y * (image.height - height))
    return image.crop((left, top, left + width, top + height))


def _pad(image: Image.Image, share: float, rng: np.random.Generator) -> Image.Image:
    """Letterbox: a border of one random flat colour, split unevenly between the two sides."""
    border = max(1, round(max(image.size) * share))
    colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
    split = rng.uniform(0.2, 0.8)
    if image.width >= image.height:  # pad top/bottom like a letterbox
        top = round(border * split)
        return ImageOps.expand(image, (0, top, 0, border - top), fill=colour)
    left = round(border * split)
    return ImageOps.expand(image, (left, 0, border - left, 0), fill=colour)


def _rotate(image: Image.Image, degrees: float, rng: np.random.Generator) -> Image.Image:
    sign = 1 if rng.random() < 0.5 else -1
    return image.rotate(sign * degrees, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=(0, 0, 0))


_MIRRORS = {
    "horizontal": Image.Transpose.FLIP_LEFT_RIGHT,
    "vertical": Image.Transpose.FLIP_TOP_BOTTOM,
    "rotate180": Image.Transpose.ROTATE_180,
    "transpose": Image.Transpose.TRANSPOSE,
    "transverse": Image.Transpose.TRANSVERSE,
}


def _mirror(image: Image.Image, variant: str, rng: np.random.Generator) -> Image.Image:
    return image.transpose(_MIRRORS[variant])


def _blur(image: Image.Image, radius: float, rng: np.random.Generator) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius * max(image.size) / 64))


def _noise(image: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    noisy = pixels + rng.normal(0.0, sigma, pixels.shape)
    return Image.fromarray(np.clip(noisy + 0.5, 0, 255).astype(np.uint8))


def _gamma(image: Image.Image, gamma: float, rng: np.random.Generator) -> Image.Image:
    table = [round(255 * (i / 255) ** gamma) for i in range(256)]
    return image.point(table * 3)


def _brightness(image: Image.Image, factor: float, rng: np.random.Generator) -> Image.Image:
    table = [min(255, round(i * factor)) for i in range(256)]
    return image.point(table * 3)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def _overlay_text(image: Image.Image, lines: int, rng: np.random.Generator) -> Image.Image:
    """Captions and usernames, as messaging apps and memes add them."""
    out = image.copy()
    font_size = max(8, round(image.height / 7))
    for _ in range(lines):
        text = " ".join(str(w) for w in rng.choice(WORDS, size=int(rng.integers(1, 3))))
        x = round(rng.uniform(0, image.width * 0.6))
        y = round(rng.uniform(0, image.height * 0.85))
        fill = (255, 255, 255) if rng.random() < 0.5 else (0, 0, 0)
        outline = (0, 0, 0) if fill == (255, 255, 255) else (255, 255, 255)
        for colour, stroke_width in ((outline, 1), (fill, 0)):  # as draw.text does: outline, then letters
            mask, left, top = _text_mask(text, font_size, stroke_width)
            out.paste(colour, (x + left, y + top), mask)
    return out


@lru_cache(maxsize=1024)
def _text_mask(text: str, font_size: int, stroke_width: int = 0) -> tuple[Image.Image, int, int]:
    """`text` rendered once as a glyph mask, with its offset from the text origin.

    Text rendering holds the GIL and costs far more than pasting a mask; the
    robustness suite draws captions and watermarks on thousands of images.
    Pasting a colour through the mask at origin + offset gives the pixels
    draw.text gives at a whole-pixel origin.
    """
    font = _font(font_size)
    # Typed as floats, but whole pixels at a whole-pixel origin.
    left, top, right, bottom = (int(edge) for edge in ImageDraw.Draw(Image.new("L", (1, 1))).textbbox(
        (0, 0), text, font=font, stroke_width=stroke_width))
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=255, stroke_width=stroke_width, stroke_fill=255)
    return mask, left, top


WATERMARK_TEXT = "SAMPLE"


def _watermark(image: Image.Image, opacity: float, rng: np.random.Generator) -> Image.Image:
    """A semi-transparent tiled mark across the whole picture, as stock sites add."""
    layer = Image.new("L", image.size, 0)
    stamp, left, top = _text_mask(WATERMARK_TEXT, max(8, round(image.height / 6)))
    step = max(8, image.height // 3)
    offset = int(rng.integers(0, step))
    for y in range(-step + offset, image.height + step, step):
        for x in range(-step + offset // 2, image.width + step, step * 2):
            layer.paste(255, (x + left, y + top), stamp)
    tilted = layer.rotate(float(rng.uniform(-35, 35)), resample=Image.Resampling.BILINEAR)
    alpha = tilted.point(lambda value: round(value * opacity))
    return Image.composite(Image.new("RGB", image.size, (255, 255, 255)), image, alpha)


def _greyscale(image: Image.Image, amount: float, rng: np.random.Generator) -> Image.Image:
    grey = ImageOps.grayscale(image).convert("RGB")
    return Image.blend(image, grey, amount)


# Each function takes its own parameter type (see TRANSFORM_LEVELS), hence Any.
_FUNCTIONS: dict[str, Callable[[Image.Image, Any, np.random.Generator], Image.Image]] = {
    "jpeg": _jpeg,
    "downscale": _downscale,
    "crop": _crop,
    "pad": _pad,
    "rotate": _rotate,
    "mirror": _mirror,
    "blur": _blur,
    "noise": _noise,
    "gamma": _gamma,
    "brightness": _brightness,
    "overlay_text": _overlay_text,
    "watermark": _watermark,
    "greyscale": _greyscale,
}


def transform_parameter(name: str, severity: int):
    """The parameter `name` uses at `severity` (see TRANSFORM_LEVELS); raises UserError if unknown."""
    if name not in TRANSFORM_LEVELS:
        raise UserError(f"unknown transform {name!r}; use one of {', '.join(TRANSFORMS)}.")
    if severity not in SEVERITIES:
        raise UserError(f"severity {severity!r} is not one of {', '.join(map(str, SEVERITIES))}.")
    return TRANSFORM_LEVELS[name][severity - 1]


def apply_transform(image: Image.Image, name: str, severity: int, seed: int = 0) -> Image.Image:
    """`image` perturbed by transform `name` at `severity` (1-5), deterministic given `seed`."""
    parameter = transform_parameter(name, severity)
    # Seeded by (seed, transform) only, not severity: the same crop anchor, noise
    # pattern and text placement at every severity, so damage grows with severity.
    rng = np.random.default_rng([abs(int(seed)), TRANSFORMS.index(name)])
    source = image if image.mode == "RGB" else image.convert("RGB")
    return _FUNCTIONS[name](source, parameter, rng)


def transform_grid() -> list[tuple[str, int]]:
    """Every (transform, severity) pair, in a stable order: the robustness sweep."""
    return [(name, severity) for name in TRANSFORMS for severity in SEVERITIES]
