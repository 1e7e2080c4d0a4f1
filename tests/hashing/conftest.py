"""Fixtures for the hashing tests: small procedural images and the PDQ conformance vectors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE_ENV = "SAFERKIT_PDQ_CONFORMANCE"


def conformance_dir() -> Path | None:
    """`$SAFERKIT_PDQ_CONFORMANCE`, else `<repo>/../shared/conformance/pdq`, else `<repo>/shared/...`."""
    candidates = []
    if os.environ.get(CONFORMANCE_ENV):
        candidates.append(Path(os.environ[CONFORMANCE_ENV]))
    candidates += [REPO_ROOT.parent / "shared" / "conformance" / "pdq", REPO_ROOT / "shared" / "conformance" / "pdq"]
    for candidate in candidates:
        if (candidate / "expected-reference.csv").is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def pdq_vectors() -> Path:
    """The full conformance set; its tests skip on a clone without it (the bundled subset still runs)."""
    found = conformance_dir()
    if found is None:
        if os.environ.get(CONFORMANCE_ENV):
            pytest.fail(f"${CONFORMANCE_ENV} is set but holds no expected-reference.csv: {os.environ[CONFORMANCE_ENV]}")
        pytest.skip(
            f"full PDQ conformance set not found ({REPO_ROOT.parent / 'shared/conformance/pdq'} or "
            f"${CONFORMANCE_ENV}); the bundled subset in tests/hashing/fixtures/pdq-mini is tested instead."
        )
    return found


@pytest.fixture(scope="session")
def images(tmp_path_factory) -> list[Path]:
    """Six small procedural JPEGs (no people)."""
    from saferkit.hashing.procedural import write_procedural_set

    return write_procedural_set(tmp_path_factory.mktemp("procedural"), 6, size=(320, 240))
