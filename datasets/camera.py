"""What happens to a scene between the world and the file: palette, lighting and camera.

These are the subgroup attributes a bias report groups by. Each is a small,
documented change to the pixels so that a tool's accuracy can differ between
groups for reasons an evaluator can name (a dark room, a cheap phone camera).
"""

from __future__ import annotations

import colorsys
import io
from dataclasses import dataclass

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

MIN_VALUE_CONTRAST = 0.28  # objects differ from their background by at least this much brightness


def _hsv(palette: Palette, rng: np.random.Generator, value: float, saturation_scale: float = 1.0) -> tuple[int, int, int]:
    hue = (palette.hue_centre + rng.uniform(-palette.hue_spread, palette.hue_spread)) % 1.0
    saturation = rng.uniform(*palette.saturation) * saturation_scale
    r, g, b = colorsys.hsv_to_rgb(hue, min(saturation, 1.0), min(max(value, 0.0), 1.0))
    return round(r * 255), round(g * 255), round(b * 255)


def background_colours(palette: Palette, rng: np.random.Generator) -> tuple[float, tuple[int, int, int], tuple[int, int, int]]:
    """A background brightness and two related colours (dark, light) to paint or tint with."""
    value = float(rng.uniform(0.2, 0.85))
    spread = float(rng.uniform(0.08, 0.2))
    return value, _hsv(palette, rng, value - spread, 0.6), _hsv(palette, rng, value + spread, 0.6)


def object_colour(palette: Palette, rng: np.random.Generator, background_value: float) -> tuple[int, int, int]:
    """A colour for a marker or distractor (both come from here) that stands out from the background."""
    value = float(rng.uniform(0.3, 1.0))
    if abs(value - background_value) < MIN_VALUE_CONTRAST:
        value = background_value + MIN_VALUE_CONTRAST if background_value < 0.6 else background_value - MIN_VALUE_CONTRAST
    return _hsv(palette, rng, value)


def apply_lighting(pixels: np.ndarray, lighting: str, rng: np.random.Generator) -> np.ndarray:
    """Dark rooms crush contrast towards black; bright ones wash it out towards white."""
    if lighting == "dark":
        gain = rng.uniform(0.3, 0.45)
        return np.power(pixels / 255.0, rng.uniform(1.1, 1.4)) * 255.0 * gain
    if lighting == "bright":
        lift = rng.uniform(0.35, 0.5)
        return pixels * (1 - lift) + 255.0 * lift
    return pixels


@dataclass(frozen=True)
class DeviceProfile:
    """A camera: how much resolution it loses, how noisy its sensor is, how hard it compresses."""

    resolution: tuple[float, float]  # kept fraction of width/height before upscaling back
    noise_sigma: tuple[float, float]  # sensor noise, grey levels
    jpeg_quality: tuple[int, int]


DEVICES: dict[str, DeviceProfile] = {
    "hq": DeviceProfile(resolution=(1.0, 1.0), noise_sigma=(0.5, 2.0), jpeg_quality=(85, 95)),
    "mid": DeviceProfile(resolution=(0.6, 0.75), noise_sigma=(3.0, 6.0), jpeg_quality=(45, 65)),
    "low": DeviceProfile(resolution=(0.4, 0.5), noise_sigma=(7.0, 12.0), jpeg_quality=(18, 30)),
}


def apply_device(pixels: np.ndarray, device: str, rng: np.random.Generator) -> Image.Image:
    """Resolution loss, then sensor noise, then the camera's JPEG encoding; returns the final RGB image."""
    profile = DEVICES[device]
    size = pixels.shape[1], pixels.shape[0]
    keep = rng.uniform(*profile.resolution)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if keep < 0.999:
        small = (max(4, round(size[0] * keep)), max(4, round(size[1] * keep)))
        image = image.resize(small, Image.BILINEAR).resize(size, Image.BILINEAR)
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0.0, rng.uniform(*profile.noise_sigma), pixels.shape)
    image = Image.fromarray(np.clip(noisy + 0.5, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(rng.integers(profile.jpeg_quality[0], profile.jpeg_quality[1] + 1)))
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")
