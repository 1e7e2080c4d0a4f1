"""Grey-level texture sources for scene backgrounds.

Three photographs of walls and ground that scikit-image bundles (brick, grass,
gravel; all CC0, no people) plus procedural noise and stripes. A texture is a
greyscale ("L") PIL image; the scene tints it with its palette.
"""

from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from saferkit.core.media import DecodedImage, read_media

BUNDLED_TEXTURES = ("brick", "grass", "gravel")
PROCEDURAL_TEXTURES = ("noise", "stripes")
TEXTURE_KINDS = BUNDLED_TEXTURES + PROCEDURAL_TEXTURES
TEXTURE_SOURCES = {
    "brick": "scikit-image data.brick (CC0, from CC0Textures Bricks25)",
    "grass": "scikit-image data.grass (CC0, from DeviantArt linolafett Grass-01)",
    "gravel": "scikit-image data.gravel (CC0, from CC0Textures Gravel04)",
}


def _skimage_data_dir() -> Path | None:
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data"


@lru_cache(maxsize=None)
def bundled_texture(name: str) -> Image.Image | None:
    """The named scikit-image texture, contrast-stretched, or None when it is not installed.

    Read straight from the PNG (not through skimage) so worker start-up stays cheap.
    """
    folder = _skimage_data_dir()
    if folder is None or not (folder / f"{name}.png").is_file():
        return None
    grey = DecodedImage(read_media(folder / f"{name}.png")).for_luma().convert("L")
    return ImageOps.autocontrast(grey, cutoff=2)


def _value_noise(rng: np.random.Generator, size: int) -> Image.Image:
    cells = int(rng.integers(3, 9))
    coarse = Image.fromarray(rng.integers(0, 256, (cells, cells), dtype=np.uint8))
    smooth = np.asarray(coarse.resize((size, size), Image.Resampling.BICUBIC), dtype=np.int16)
    grain = rng.integers(-32, 33, (size, size), dtype=np.int16)
    return Image.fromarray(np.clip(smooth * 3 // 4 + grain + 32, 0, 255).astype(np.uint8))


def _stripes(rng: np.random.Generator, size: int) -> Image.Image:
    angle = rng.uniform(0, math.pi)
    period = rng.uniform(0.08, 0.3) * size
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    phase = (xs * math.cos(angle) + ys * math.sin(angle)) * (2 * math.pi / period)
    return Image.fromarray((127.5 + 127.5 * np.sin(phase)).astype(np.uint8))


def texture_patch(kind: str, rng: np.random.Generator, size: int) -> Image.Image:
    """A size x size greyscale texture: a random crop of a bundled texture, or a procedural one."""
    if kind in BUNDLED_TEXTURES:
        source = bundled_texture(kind)
        if source is not None:
            crop = int(rng.integers(min(96, source.height), source.height + 1))
            top = int(rng.integers(0, source.height - crop + 1))
            left = int(rng.integers(0, source.width - crop + 1))
            return source.resize((size, size), Image.Resampling.BILINEAR, box=(left, top, left + crop, top + crop), reducing_gap=2.0)
        kind = "noise"  # scikit-image data missing: fall back to a procedural texture
    if kind == "stripes":
        return _stripes(rng, size)
    return _value_noise(rng, size)
