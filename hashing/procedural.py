"""Procedural photo-like test images (landscapes of shapes, gradients and texture; no people).

Used where the hashing package needs images and no data set was given: the
robustness and speed benchmarks, the demo fallback and tests. Each image is a
pure function of its seed, so runs are repeatable and nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def procedural_image(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """One RGB image: a lit gradient 'sky and ground', shapes, a texture and sensor noise."""
    rng = np.random.default_rng(seed)
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    top, bottom = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    horizon = rng.uniform(0.3, 0.7) * height
    blend = np.clip((ys - horizon) / (0.15 * height) + 0.5, 0, 1)[..., None]
    pixels = top * (1 - blend) + bottom * blend
    freq = rng.uniform(2, 12, 2) / max(width, height)
    texture = np.sin(2 * np.pi * (xs * freq[0] + ys * freq[1]) + rng.uniform(0, 6))
    pixels += rng.uniform(5, 25) * texture[..., None]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(4, 12))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        x0, y0 = rng.uniform(-0.1, 0.9) * width, rng.uniform(-0.1, 0.9) * height
        x1, y1 = x0 + rng.uniform(0.05, 0.5) * width, y0 + rng.uniform(0.05, 0.5) * height
        shape = rng.integers(0, 3)
        if shape == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif shape == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            points = [(float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))) for _ in range(int(rng.integers(3, 7)))]
            draw.polygon(points, fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.5, 2.0))))
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, rng.uniform(1, 6), (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def write_procedural_set(folder: str | Path, count: int, size: tuple[int, int] = (640, 480), seed: int = 0, quality: int = 90) -> list[Path]:
    """Write `count` procedural JPEGs into `folder` (created if needed); returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(count):
        path = folder / f"procedural-{seed + k:05d}.jpg"
        procedural_image(seed + k, size).save(path, "JPEG", quality=quality)
        paths.append(path)
    return paths
