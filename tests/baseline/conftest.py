"""Baseline fixtures: one tiny data set, one tracked training run and its submission per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from baseline_support import make_dataset, quiet_console, tiny_config  # noqa: E402


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("data") / "shapes", {"train": 64, "val": 48, "test": 16})


@pytest.fixture(scope="session")
def tiny_run(tiny_data, tmp_path_factory):
    """One tracked training run (with the MLflow model logged), shared by the read-only tests."""
    from saferkit.baseline.training import train

    out = tmp_path_factory.mktemp("runs") / "run"
    return train(tiny_data, out, tiny_config(log_model=True), console=quiet_console())


@pytest.fixture(scope="session")
def tiny_submission(tiny_run, tmp_path_factory):
    from saferkit.baseline.export import export_submission

    out = tmp_path_factory.mktemp("subs") / "submission"
    return export_submission(tiny_run.run_dir, out, console=quiet_console())


@pytest.fixture(scope="session")
def shared_tracking_uri(tmp_path_factory) -> str:
    """One MLflow store for tests that do not inspect tracking (also exercises --tracking-uri)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'shared.db'}"
