"""Scoring many images with a submission's model, optionally after a perturbation.

Decoding, perturbing and preprocessing are Python/PIL work; onnxruntime and
most PIL operations release the GIL, so a small thread pool with one
onnxruntime thread per call keeps every core busy without copying images
between processes. Results come back in input order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from saferkit.core.errors import UserError
from saferkit.core.media import MediaError, load_rgb

Perturb = Callable[[Image.Image, int], Image.Image]


def load_images(paths: Sequence[str], on_progress: Callable[[int], None] | None = None) -> list[Image.Image]:
    """Decode every image once into memory (RGB, by the one decode policy), so transforms and reruns do not reread files."""
    images = []
    for i, path in enumerate(paths):
        try:
            images.append(load_rgb(path))
        except MediaError as exc:
            raise UserError(f"cannot decode image {path}: {exc}; fix or remove it from the data set.") from None
        if on_progress and (i + 1) % 256 == 0:
            on_progress(256)
    if on_progress:
        on_progress(len(paths) % 256)
    return images


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def score_all(
    model,
    images: Sequence[Image.Image],
    *,
    batch_size: int = 64,
    perturb: Perturb | None = None,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Probabilities (N, labels) for `images`, each first passed through `perturb(image, index)` if given."""
    starts = list(range(0, len(images), batch_size))

    def one_batch(start: int) -> np.ndarray:
        chunk = images[start : start + batch_size]
        if perturb is not None:
            chunk = [perturb(image, start + offset) for offset, image in enumerate(chunk)]
        return model.run(model.preprocess(chunk))

    workers = workers or default_workers()
    results: list[np.ndarray] = []
    if workers == 1:
        for start in starts:
            results.append(one_batch(start))
            if on_progress:
                on_progress(min(batch_size, len(images) - start))
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for start, probabilities in zip(starts, pool.map(one_batch, starts)):
                results.append(probabilities)
                if on_progress:
                    on_progress(min(batch_size, len(images) - start))
    if not results:
        return np.zeros((0, len(model.labels)), dtype=np.float32)
    return np.concatenate(results)
