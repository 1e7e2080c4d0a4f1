"""Grey-level texture sources for scene backgrounds.

Three photographs of walls and ground that scikit-image bundles (brick, grass,
gravel; all CC0, no people) plus procedural noise and stripes. A texture is a
float array in [0, 1]; the scene tints it with its palette.
"""

from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

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
def bundled_texture(name: str) -> np.ndarray | None:
    """The named scikit-image texture as float32 in [0, 1], or None when it is not installed.

    Read straight from the PNG (not through skimage) so worker start-up stays cheap.
    """
    folder = _skimage_data_dir()
    if folder is None or not (folder / f"{name}.png").is_file():
        return None
    with Image.open(folder / f"{name}.png") as image:
        grey = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    low, high = np.percentile(grey, (2, 98))
    return np.clip((grey - low) / max(high - low, 1e-3), 0.0, 1.0)


def _value_noise(rng: np.random.Generator, size: int) -> np.ndarray:
    cells = int(rng.integers(3, 9))
    coarse = rng.random((cells, cells)).astype(np.float32)
    image = Image.fromarray((coarse * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)
    fine = rng.random((size, size)).astype(np.float32) * 0.25
    return np.clip(np.asarray(image, dtype=np.float32) / 255.0 * 0.75 + fine, 0.0, 1.0)


def _stripes(rng: np.random.Generator, size: int) -> np.ndarray:
    angle = rng.uniform(0, math.pi)
    period = rng.uniform(0.08, 0.3) * size
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    phase = (xs * math.cos(angle) + ys * math.sin(angle)) * (2 * math.pi / period)
    return (0.5 + 0.5 * np.sin(phase)).astype(np.float32)


def texture_patch(kind: str, rng: np.random.Generator, size: int) -> np.ndarray:
    """A size x size texture patch in [0, 1]: a random crop of a bundled texture, or a procedural one."""
    if kind in BUNDLED_TEXTURES:
        source = bundled_texture(kind)
        if source is not None:
            crop = int(rng.integers(min(96, source.shape[0]), source.shape[0] + 1))
            top = int(rng.integers(0, source.shape[0] - crop + 1))
            left = int(rng.integers(0, source.shape[1] - crop + 1))
            patch = Image.fromarray((source[top : top + crop, left : left + crop] * 255).astype(np.uint8))
            return np.asarray(patch.resize((size, size), Image.BILINEAR), dtype=np.float32) / 255.0
        kind = "noise"  # scikit-image data missing: fall back to a procedural texture
    if kind == "stripes":
        return _stripes(rng, size)
    return _value_noise(rng, size)
