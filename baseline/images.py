"""Decode a split's images into one uint8 array, the way the submission declares.

Every image goes through the one decode (`saferkit.core.media`: the RGB the
evaluation runner scores, the same pixel limit) and is resized (bilinear, no
letterbox) to the training size, so folders with mixed sizes still train; what
cannot be decoded is skipped and counted, and the caller decides whether too
many were lost.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from saferkit.core.media import MediaError, load_rgb

DECODE_THREADS = 4


@dataclass
class DecodedImages:
    """Pixels (N, H, W, 3) uint8 of the images that decoded, and what happened to the rest."""

    pixels: np.ndarray
    kept: np.ndarray  # indices into the input list of the images in `pixels`
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    resized: int = 0


def _decode_one(path: str, size: int) -> tuple[np.ndarray | None, str, bool]:
    try:
        rgb = load_rgb(path)
    except MediaError as exc:
        return None, str(exc), False
    resized = rgb.size != (size, size)
    if resized:
        rgb = rgb.resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(rgb, dtype=np.uint8), "", resized


def decode_images(
    paths: Sequence[str | Path],
    size: int,
    on_progress: Callable[[int], None] | None = None,
) -> DecodedImages:
    """Decode `paths` to a (N, size, size, 3) array; unreadable files are skipped and listed."""
    pixels = np.zeros((len(paths), size, size, 3), dtype=np.uint8)
    ok = np.zeros(len(paths), dtype=bool)
    failed: list[tuple[str, str]] = []
    resized = 0
    with ThreadPoolExecutor(max_workers=DECODE_THREADS) as pool:
        results = pool.map(lambda p: _decode_one(str(p), size), paths)
        for index, (array, reason, was_resized) in enumerate(results):
            if array is None:
                failed.append((str(paths[index]), reason))
            else:
                pixels[index] = array
                ok[index] = True
                resized += int(was_resized)
            if on_progress is not None:
                on_progress(1)
    kept = np.flatnonzero(ok)
    return DecodedImages(pixels=pixels[kept], kept=kept, failed=failed, resized=resized)


def read_images(paths: Sequence[str | Path]) -> tuple[list[Image.Image], list[str], list[tuple[str, str]]]:
    """Decoded RGB images of the readable `paths`, their paths, and (path, reason) of the rest."""
    images, kept, failed = [], [], []
    for path in paths:
        try:
            images.append(load_rgb(path))
            kept.append(str(path))
        except MediaError as exc:
            failed.append((str(path), str(exc)))
    return images, kept, failed
