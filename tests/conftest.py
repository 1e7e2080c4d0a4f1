"""Fixtures every test folder may use: tiny ONNX submissions built with onnx.helper.

They are data only (a graph and a manifest), like real submissions, so tests of
the harness, the server and the scanner exercise the real loading path.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "support"))

from toy_submissions import write_toy_submission  # noqa: E402


@pytest.fixture
def toy_submission(tmp_path: Path):
    """Factory: `toy_submission(kind="red", ...)` writes a submission folder and returns its path."""

    def make(**kwargs) -> Path:
        folder = tmp_path / kwargs.pop("folder_name", "submission")
        return write_toy_submission(folder, **kwargs)

    return make
