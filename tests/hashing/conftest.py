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
    found = conformance_dir()
    if found is None:
        pytest.fail(
            f"PDQ conformance vectors not found: expected {REPO_ROOT.parent / 'shared/conformance/pdq'} "
            f"(shared/ beside the repository) or ${CONFORMANCE_ENV}."
        )
    return found


@pytest.fixture(scope="session")
def images(tmp_path_factory) -> list[Path]:
    """Six small procedural JPEGs (no people)."""
    from saferkit.hashing.procedural import write_procedural_set

    return write_procedural_set(tmp_path_factory.mktemp("procedural"), 6, size=(320, 240))
