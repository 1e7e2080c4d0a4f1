"""Draw one synthetic scene from its manifest row.

A scene is a background, a few distractor shapes and one "slot" object: in a
positive the slot holds a target marker (star, ring, cross or diamond), in a
negative another distractor. Everything else (positions, sizes, rotations,
colours, how many distractors, whether something covers the slot) is drawn
from the same distributions in both classes, so the only difference between a
positive and a negative is the marker's shape. The scene is a pure function of
the row (its seed and attributes), which is what makes data sets reproducible
byte for byte whatever the number of worker processes.

Nothing here draws people: only geometric shapes on walls, grass, gravel,
noise or stripes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from saferkit.datasets.camera import PALETTES, apply_device, apply_lighting, background_colours, object_colour
from saferkit.datasets.shapes import DISTRACTOR_KINDS, covered_fraction_offset, draw_shape, place
from saferkit.datasets.textures import TEXTURE_KINDS, texture_patch

SUPERSAMPLE = 2  # draw at twice the size, then average down: smooth edges at small sizes

# Object radius as a fraction of the image side, per `scale` group.
SCALE_RADIUS: dict[str, tuple[float, float]] = {
    "small": (0.055, 0.075),
    "medium": (0.09, 0.115),
    "large": (0.13, 0.165),
}
# Share of the slot object hidden by an occluding card, per `occlusion` group.
OCCLUDED_SHARE: dict[str, tuple[float, float]] = {
    "none": (0.0, 0.0),
    "partial": (0.2, 0.35),
    "heavy": (0.45, 0.6),
}
DISTRACTORS = (2, 5)  # inclusive range of distractor shapes besides the slot object
CLUTTER_SHAPES = (18, 34)


def _gradient(size: int, dark: tuple[int, int, int], light: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / max(size - 1, 1)
    t = xs * math.cos(angle) + ys * math.sin(angle)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    return _tint(t, dark, light)


def _tint(t: np.ndarray, dark: tuple[int, int, int], light: tuple[int, int, int]) -> np.ndarray:
    low = np.asarray(dark, dtype=np.float32)
    high = np.asarray(light, dtype=np.float32)
    return low + (high - low) * t[..., None]


def _background(kind: str, canvas: int, palette: Any, rng: np.random.Generator) -> tuple[Image.Image, float]:
    value, dark, light = background_colours(palette, rng)
    if kind == "texture":
        texture = texture_patch(str(rng.choice(TEXTURE_KINDS)), rng, canvas)
        pixels = _tint(texture, dark, light)
    else:
        pixels = _gradient(canvas, dark, light, rng)
    image = Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))
    if kind == "clutter":
        draw = ImageDraw.Draw(image)
        for _ in range(int(rng.integers(CLUTTER_SHAPES[0], CLUTTER_SHAPES[1] + 1))):
            radius = rng.uniform(0.025, 0.07) * canvas
            draw_shape(
                draw,
                str(rng.choice(DISTRACTOR_KINDS)),
                rng.uniform(0, canvas),
                rng.uniform(0, canvas),
                radius,
                rng.uniform(0, 2 * math.pi),
                object_colour(palette, rng, value),
            )
    return image, value


def _occluder(cx: float, cy: float, radius: float, share: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """A card whose straight edge hides about `share` of the disc around (cx, cy)."""
    edge = covered_fraction_offset(share)
    depth = 1 - edge + rng.uniform(0.4, 1.2)
    half_width = rng.uniform(1.2, 2.0)
    card = np.array([(edge, -half_width), (edge + depth, -half_width), (edge + depth, half_width), (edge, half_width)])
    return place(card, cx, cy, radius, rng.uniform(0, 2 * math.pi))


def render_scene(row: Mapping[str, Any], size: int) -> Image.Image:
    """The RGB image of one manifest row (flag, category, attributes, seed), `size` x `size` pixels."""
    rng = np.random.default_rng(int(row["seed"]))
    canvas = size * SUPERSAMPLE
    palette = PALETTES[row["palette"]]
    image, background_value = _background(row["background"], canvas, palette, rng)
    draw = ImageDraw.Draw(image)

    low, high = SCALE_RADIUS[row["scale"]]
    radius = rng.uniform(low, high) * canvas
    margin = radius * 1.05
    cx, cy = rng.uniform(margin, canvas - margin, size=2)

    for _ in range(int(rng.integers(DISTRACTORS[0], DISTRACTORS[1] + 1))):
        r = radius * rng.uniform(0.75, 1.25)
        for _attempt in range(12):  # keep distractors off the slot object; occlusion is controlled separately
            x, y = rng.uniform(r, canvas - r, size=2)
            if math.hypot(x - cx, y - cy) > radius + r + 1:
                break
        draw_shape(draw, str(rng.choice(DISTRACTOR_KINDS)), x, y, r, rng.uniform(0, 2 * math.pi),
                   object_colour(palette, rng, background_value))

    slot_kind = row["category"] if int(row["flag"]) == 1 else str(rng.choice(DISTRACTOR_KINDS))
    draw_shape(draw, slot_kind, cx, cy, radius, rng.uniform(0, 2 * math.pi), object_colour(palette, rng, background_value))

    share_low, share_high = OCCLUDED_SHARE[row["occlusion"]]
    if share_high > 0:
        card = _occluder(cx, cy, radius, rng.uniform(share_low, share_high), rng)
        draw.polygon(card, fill=object_colour(palette, rng, background_value))

    pixels = np.asarray(image.reduce(SUPERSAMPLE), dtype=np.float32)
    pixels = apply_lighting(pixels, row["lighting"], rng)
    return apply_device(pixels, row["device"], rng)
