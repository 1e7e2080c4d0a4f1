"""Shared fixtures: one tiny generated set reused by many tests (generation is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from saferkit.datasets.plan import make_config
from saferkit.datasets.synth import generate


@pytest.fixture(scope="session")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """80 images of 32 px with an injected palette bias, generated once per test session."""
    out = tmp_path_factory.mktemp("synth") / "small"
    generate(out, make_config(n=80, seed=11, size=32, spurious=["palette=b:0.9"]), workers=1)
    return out
