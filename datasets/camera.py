"""What happens to a scene between the world and the file: palette, lighting and camera.

These are the subgroup attributes a bias report groups by. Each is a small,
documented change to the pixels so that a tool's accuracy can differ between
groups for reasons an evaluator can name (a dark room, a cheap phone camera).
"""

from __future__ import annotations

import colorsys
import io
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Palette:
    """A colour family: objects and backgrounds draw their hues from it."""

    hue_centre: float
    hue_spread: float
    saturation: tuple[float, float]


PALETTES: dict[str, Palette] = {
    "a": Palette(hue_centre=0.03, hue_spread=0.09, saturation=(0.45, 0.95)),  # warm: reds, oranges
    "b": Palette(hue_centre=0.56, hue_spread=0.10, saturation=(0.45, 0.95)),  # cool: blues, teals
    "c": Palette(hue_centre=0.14, hue_spread=0.14, saturation=(0.08, 0.35)),  # muted: greys, khaki
}

MIN_VALUE_CONTRAST = 0.35  # objects differ from their background by at least this much brightness


def _hsv(palette: Palette, u_hue: float, u_saturation: float, value: float,
         saturation_scale: float = 1.0) -> tuple[int, int, int]:
    """A palette colour from two uniforms in [0, 1) and a brightness."""
    hue = (palette.hue_centre + (2 * u_hue - 1) * palette.hue_spread) % 1.0
    low, high = palette.saturation
    saturation = (low + (high - low) * u_saturation) * saturation_scale
    r, g, b = colorsys.hsv_to_rgb(hue, min(saturation, 1.0), min(max(value, 0.0), 1.0))
    return round(r * 255), round(g * 255), round(b * 255)


def background_colours(palette: Palette, rng: np.random.Generator) -> tuple[float, tuple[int, int, int], tuple[int, int, int]]:
    """A background brightness and two related colours (dark, light) to paint or tint with."""
    u = rng.random(6)
    value = 0.2 + 0.65 * float(u[0])
    spread = 0.08 + 0.12 * float(u[1])
    return value, _hsv(palette, u[2], u[3], value - spread, 0.6), _hsv(palette, u[4], u[5], value + spread, 0.6)


def object_colour(palette: Palette, uniforms: np.ndarray, background_value: float) -> tuple[int, int, int]:
    """A colour for a marker or distractor (both come from here) that stands out from the background.

    `uniforms` holds three numbers in [0, 1): hue, saturation and brightness draws.
    """
    value = 0.3 + 0.7 * float(uniforms[2])
    if abs(value - background_value) < MIN_VALUE_CONTRAST:
        value = background_value + MIN_VALUE_CONTRAST if background_value < 0.6 else background_value - MIN_VALUE_CONTRAST
    return _hsv(palette, float(uniforms[0]), float(uniforms[1]), value)


def apply_lighting(image: Image.Image, lighting: str, rng: np.random.Generator) -> Image.Image:
    """Dark rooms crush contrast towards black; bright ones wash it out towards white."""
    ramp = np.arange(256, dtype=np.float32)
    if lighting == "dark":
        table = np.power(ramp / 255.0, rng.uniform(1.1, 1.3)) * 255.0 * rng.uniform(0.55, 0.7)
    elif lighting == "bright":
        lift = rng.uniform(0.25, 0.38)
        table = ramp * (1 - lift) + 255.0 * lift
    else:
        return image
    return Image.fromarray(np.rint(table).astype(np.uint8)[np.asarray(image)])


@dataclass(frozen=True)
class DeviceProfile:
    """A camera: how much resolution it loses, how noisy its sensor is, how hard it compresses."""

    resolution: tuple[float, float]  # kept fraction of width/height before upscaling back
    noise_sigma: tuple[float, float]  # sensor noise, grey levels
    jpeg_quality: tuple[int, int]


DEVICES: dict[str, DeviceProfile] = {
    "hq": DeviceProfile(resolution=(1.0, 1.0), noise_sigma=(0.5, 2.0), jpeg_quality=(85, 95)),
    "mid": DeviceProfile(resolution=(0.75, 0.85), noise_sigma=(2.0, 5.0), jpeg_quality=(55, 75)),
    "low": DeviceProfile(resolution=(0.55, 0.65), noise_sigma=(5.0, 9.0), jpeg_quality=(30, 45)),
}


@lru_cache(maxsize=4)
def _noise_bank(width: int, height: int) -> np.ndarray:
    """Unit Gaussian noise, twice the image size, from a fixed seed (same in every process)."""
    return np.random.default_rng(20240611).standard_normal((2 * height, 2 * width, 3), dtype=np.float32)


def _noise_window(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """Sensor noise for one image: a random window of the bank, with a random sign (cheap, still seeded)."""
    width, height = size
    top, left, sign = rng.integers(0, height), rng.integers(0, width), 1.0 if rng.random() < 0.5 else -1.0
    return np.float32(sign) * _noise_bank(width, height)[top : top + height, left : left + width]


def apply_device(image: Image.Image, device: str, rng: np.random.Generator) -> Image.Image:
    """Resolution loss, then sensor noise, then the camera's JPEG encoding; returns the final RGB image."""
    profile = DEVICES[device]
    size = image.size
    keep = rng.uniform(*profile.resolution)
    if keep < 0.999:
        small = (max(4, round(size[0] * keep)), max(4, round(size[1] * keep)))
        image = image.resize(small, Image.Resampling.BILINEAR).resize(size, Image.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.float32)
    noise = _noise_window(rng, size) * np.float32(rng.uniform(*profile.noise_sigma))
    image = Image.fromarray(np.clip(pixels + noise + 0.5, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(rng.integers(profile.jpeg_quality[0], profile.jpeg_quality[1] + 1)))
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")
