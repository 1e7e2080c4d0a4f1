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
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from saferkit.datasets.camera import PALETTES, apply_device, apply_lighting, background_colours, object_colour
from saferkit.datasets.shapes import DISTRACTOR_KINDS, covered_fraction_offset, draw_shape, place
from saferkit.datasets.textures import TEXTURE_KINDS, texture_patch

SUPERSAMPLE = 2  # draw at twice the size, then average down: smooth edges at small sizes

# Object radius as a fraction of the image side, per `scale` group.
SCALE_RADIUS: dict[str, tuple[float, float]] = {
    "small": (0.07, 0.085),
    "medium": (0.1, 0.12),
    "large": (0.14, 0.17),
}
# Share of the slot object hidden by an occluding card, per `occlusion` group.
OCCLUDED_SHARE: dict[str, tuple[float, float]] = {
    "none": (0.0, 0.0),
    "partial": (0.15, 0.28),
    "heavy": (0.35, 0.5),
}
DISTRACTORS = (2, 4)  # inclusive range of distractor shapes besides the slot object
CLUTTER_SHAPES = (16, 30)


@lru_cache(maxsize=8)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    return xs, ys


def _gradient(size: int, rng: np.random.Generator) -> Image.Image:
    angle = rng.uniform(0, 2 * math.pi)
    xs, ys = _grid(size)
    t = xs * math.cos(angle) + ys * math.sin(angle)
    t -= t.min()
    return Image.fromarray((t * (255.0 / max(float(t.max()), 1e-6))).astype(np.uint8))


def _tint(grey: Image.Image, dark: tuple[int, int, int], light: tuple[int, int, int]) -> Image.Image:
    """Map grey 0..255 linearly onto dark..light (a composite with grey as the mask does exactly that)."""
    return Image.composite(Image.new("RGB", grey.size, light), Image.new("RGB", grey.size, dark), grey)


def _background(kind: str, canvas: int, palette: Any, rng: np.random.Generator) -> tuple[Image.Image, float]:
    value, dark, light = background_colours(palette, rng)
    if kind == "texture":
        grey = texture_patch(_pick(rng, TEXTURE_KINDS), rng, canvas)
    else:
        grey = _gradient(canvas, rng)
    image = _tint(grey, dark, light)
    if kind == "clutter":
        draw = ImageDraw.Draw(image)
        count = int(rng.integers(CLUTTER_SHAPES[0], CLUTTER_SHAPES[1] + 1))
        for u in rng.random((count, 8)).tolist():  # one draw for all shapes: much faster than many small ones
            draw_shape(
                draw,
                DISTRACTOR_KINDS[int(u[0] * len(DISTRACTOR_KINDS))],
                u[1] * canvas,
                u[2] * canvas,
                (0.02 + 0.03 * u[3]) * canvas,
                u[4] * 2 * math.pi,
                object_colour(palette, u[5:8], value),
            )
    return image, value


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _occluder(cx: float, cy: float, radius: float, share: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """A card whose straight edge hides about `share` of the disc around (cx, cy)."""
    edge = covered_fraction_offset(share)
    depth = 1 - edge + rng.uniform(0.2, 0.6)
    half_width = rng.uniform(0.9, 1.4)
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
        draw_shape(draw, _pick(rng, DISTRACTOR_KINDS), x, y, r, rng.uniform(0, 2 * math.pi),
                   object_colour(palette, rng.random(3), background_value))

    angle, colour = rng.uniform(0, 2 * math.pi), object_colour(palette, rng.random(3), background_value)
    rim_level = int(rng.integers(215, 256)) if rng.random() < 0.5 else int(rng.integers(0, 41))
    if int(row["flag"]) == 1:
        draw_shape(draw, row["category"], cx, cy, radius, angle, colour, rim=(rim_level,) * 3)
    else:
        draw_shape(draw, _pick(rng, DISTRACTOR_KINDS), cx, cy, radius, angle, colour)

    share_low, share_high = OCCLUDED_SHARE[row["occlusion"]]
    if share_high > 0:
        card = _occluder(cx, cy, radius, rng.uniform(share_low, share_high), rng)
        draw.polygon(card, fill=object_colour(palette, rng.random(3), background_value))

    lit = apply_lighting(image.reduce(SUPERSAMPLE), row["lighting"], rng)
    return apply_device(lit, row["device"], rng)
