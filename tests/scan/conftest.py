"""Small procedural test folders for the scan tests (flat colours and noise; no people)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # scan_helpers, as tests/conftest.py does for support/

from scan_helpers import add_bad_inputs, make_images, write_hashlist  # noqa: E402


@pytest.fixture
def image_folder(tmp_path: Path):
    """Factory: `image_folder(n, bad=False)` returns a folder of n procedural images (plus bad inputs)."""

    def make(n: int = 12, bad: bool = False, name: str = "media") -> Path:
        folder = tmp_path / name
        make_images(folder, n)
        if bad:
            add_bad_inputs(folder)
        return folder

    return make


@pytest.fixture
def hashlist_for(tmp_path: Path):
    """Factory: a CSV hash list holding the md5 of some files and the PDQ of others."""

    def make(md5_files: list[Path], pdq_files: list[Path], name: str = "known.csv") -> Path:
        return write_hashlist(tmp_path / name, md5_files, pdq_files)

    return make
