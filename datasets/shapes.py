"""Geometry of the objects drawn in synthetic scenes.

Markers (what a tool must find) and distractors (what it must ignore) are
drawn at the same sizes and from the same colours, so only their *shape* tells
them apart. Every outline is a unit polygon (radius about 1) that the scene
scales, rotates and moves; the ring is the one shape that needs a hole.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import ImageDraw


def _points(outline) -> list[tuple[float, float]]:
    return outline if isinstance(outline, list) else [tuple(p) for p in np.asarray(outline, dtype=float).tolist()]


def _regular(sides: int, radius: float = 1.0, phase: float = 0.0) -> np.ndarray:
    angles = phase + np.arange(sides) * (2 * math.pi / sides)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1) * radius


def _star(points: int = 5, outer: float = 1.0, inner: float = 0.45) -> np.ndarray:
    angles = np.arange(2 * points) * (math.pi / points) - math.pi / 2
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return np.stack([np.cos(angles) * radii, np.sin(angles) * radii], axis=1)


def _cross(half_width: float = 0.3) -> np.ndarray:
    w = half_width
    return np.array(
        [(-w, -1), (w, -1), (w, -w), (1, -w), (1, w), (w, w), (w, 1), (-w, 1), (-w, w), (-1, w), (-1, -w), (-w, -w)],
        dtype=float,
    )


def _rect(half_x: float, half_y: float) -> np.ndarray:
    return np.array([(-half_x, -half_y), (half_x, -half_y), (half_x, half_y), (-half_x, half_y)], dtype=float)


def _ellipse(rx: float, ry: float, steps: int = 28) -> np.ndarray:
    angles = np.arange(steps) * (2 * math.pi / steps)
    return np.stack([np.cos(angles) * rx, np.sin(angles) * ry], axis=1)


# Unit outlines. Markers are drawn like stickers, with a thin contrasting rim (light
# or dark at random, so it adds no brightness on average); distractors are plain.
# "ring" is drawn as an annulus, not a polygon.
MARKER_OUTLINES: dict[str, np.ndarray | None] = {
    "star": _star(),
    "ring": None,
    "cross": _cross(),
    "diamond": np.array([(0, -1), (0.65, 0), (0, 1), (-0.65, 0)], dtype=float),
}
RING_INNER = 0.55  # inner radius of the ring marker, relative to its outer radius
RIM = 0.22  # width of a marker's contrasting rim, relative to its radius

DISTRACTOR_OUTLINES: dict[str, np.ndarray] = {
    "disc": _ellipse(0.85, 0.85),
    "ellipse": _ellipse(1.0, 0.55),
    "triangle": _regular(3, 1.0, -math.pi / 2),
    "square": _rect(0.75, 0.75),
    "pentagon": _regular(5, 0.95, -math.pi / 2),
    "hexagon": _regular(6, 0.9),
    "bar": _rect(1.0, 0.28),
}
DISTRACTOR_KINDS: tuple[str, ...] = tuple(DISTRACTOR_OUTLINES)
_OUTLINE_POINTS: dict[str, list[tuple[float, float]]] = {
    kind: _points(outline)
    for kind, outline in {**DISTRACTOR_OUTLINES, **MARKER_OUTLINES}.items()
    if outline is not None
}


def place(outline, cx: float, cy: float, radius: float, angle: float) -> list[tuple[float, float]]:
    """Scale, rotate and move a unit outline (array or list of points) into image coordinates.

    Plain Python on purpose: for a dozen points it is several times faster than numpy.
    """
    c, s = math.cos(angle) * radius, math.sin(angle) * radius
    return [(x * c - y * s + cx, x * s + y * c + cy) for x, y in _points(outline)]


def draw_shape(
    draw: ImageDraw.ImageDraw,
    kind: str,
    cx: float,
    cy: float,
    radius: float,
    angle: float,
    colour: tuple[int, int, int],
    rim: tuple[int, int, int] | None = None,
) -> None:
    """Draw one marker or distractor filled with `colour`, optionally with a contrasting `rim`.

    Markers are drawn as stickers (with a rim); distractors are not.
    """
    rim_width = max(2, round(radius * RIM))
    if kind == "ring":
        width = max(1, round(radius * (1 - RING_INNER)))
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        if rim is None:
            draw.ellipse(box, outline=colour, width=width)
            return
        draw.ellipse(box, outline=rim, width=width + rim_width)
        inset = rim_width
        inner = (box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset)
        draw.ellipse(inner, outline=colour, width=max(1, width - rim_width))
        return
    points = place(_OUTLINE_POINTS[kind], cx, cy, radius, angle)
    if rim is None:
        draw.polygon(points, fill=colour)
    else:
        draw.polygon(points, fill=colour, outline=rim, width=rim_width)


def covered_fraction_offset(fraction: float) -> float:
    """Signed distance (in radii) of a straight edge from a disc's centre so the far side covers `fraction`.

    Used to place occluders: a card whose edge sits this far from the object's
    centre hides about `fraction` of the object's area.
    """
    fraction = min(max(fraction, 0.0), 1.0)
    lo, hi = -1.0, 1.0
    for _ in range(40):  # bisection on the circular-segment area
        mid = (lo + hi) / 2
        area = (math.acos(mid) - mid * math.sqrt(1 - mid * mid)) / math.pi
        if area > fraction:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
