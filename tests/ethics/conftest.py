"""Fixtures for the ethics gate (helpers live in ethics_cases.py, importable by the tests)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ethics_cases import good_manifest_overrides, make_report, write_report  # noqa: E402

from saferkit.evaluation.submission import load_submission  # noqa: E402


@pytest.fixture
def good_submission(toy_submission):
    """A toy submission whose submission.yaml answers every declared criterion plausibly."""
    return toy_submission(**good_manifest_overrides())


@pytest.fixture
def good_case(good_submission, tmp_path):
    """(submission folder, its sha256, path of a good report for it)."""
    sha = load_submission(good_submission).sha256
    return good_submission, sha, write_report(tmp_path / "eval", make_report(sha))
