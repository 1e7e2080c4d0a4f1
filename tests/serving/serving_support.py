"""Helpers for the serving tests: servers built from toy submissions the way `saferkit serve` builds them."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from toy_submissions import write_toy_submission

from saferkit.serving.app import create_app, load_state
from saferkit.serving.config import BatchingConfig, LimitsConfig, ServeConfig
from saferkit.serving.keys import ApiKeys

KEY = "test-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}


def image_bytes(color=(200, 20, 20), size=(48, 40), fmt="JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def expected_review_probability(batch: np.ndarray) -> np.ndarray:
    """The toy model's score, computed independently: softmax of 4 * redness * [-1, 1]."""
    means = batch.mean(axis=(2, 3))
    redness = means[:, 0] - 0.5 * means[:, 1] - 0.5 * means[:, 2]
    return 1.0 / (1.0 + np.exp(-8.0 * redness))


def build_app(tmp: Path, submissions: list[Path] | None = None, hashlists: list[Path] | None = None,
              keys: list[str] | None = None, **config):
    """A FastAPI app (not started) and its state; config keys: batching, limits, docs, audit_log, ..."""
    if submissions is None:
        submissions = [write_toy_submission(tmp / "toy-red")]
    config.setdefault("audit_log", tmp / "audit.jsonl")
    config.setdefault("batching", BatchingConfig(max_batch_size=8, max_queue_delay_ms=2.0))
    config.setdefault("limits", LimitsConfig(max_body_bytes=2 * 1024 * 1024, rate_limit_per_s=0))
    state = load_state(submissions, hashlists or [], ServeConfig(**config), ApiKeys(keys or [KEY, OTHER_KEY]),
                       allow_unqualified=True)  # toy models have no scorecard, as `saferkit serve --allow-unqualified`
    return create_app(state), state


def scene_bytes(seed: int, size: int = 128, fmt: str = "PNG", mirror: bool = False) -> bytes:
    """A synthetic scene (gradient and coloured rectangles; no people) with enough texture for PDQ."""
    from PIL import ImageDraw, ImageOps

    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, size, dtype=np.uint8)
    pixels = np.stack([np.tile(ramp, (size, 1)), np.tile(ramp[:, None], (1, size)),
                       np.full((size, size), int(rng.integers(0, 255)), np.uint8)], axis=2)
    image = Image.fromarray(pixels)
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x, y = (int(v) for v in rng.integers(0, size - 24, 2))
        draw.rectangle([x, y, x + int(rng.integers(8, 40)), y + int(rng.integers(8, 40))],
                       fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    if mirror:
        image = ImageOps.mirror(image)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()
