"""What was evaluated, on what: the report's `submission` and `data` sections, and the software versions."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from saferkit.core.errors import UserError
from saferkit.evaluation.submission import Submission

VERSIONED_PACKAGES = ("numpy", "scikit-learn", "fairlearn", "onnx", "onnxruntime", "pandas", "pillow", "mlflow", "matplotlib")


def software_versions() -> dict[str, str]:
    """Versions of what produced the numbers."""
    from saferkit import __version__

    versions = {"saferkit": __version__, "python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


@dataclass(frozen=True)
class SubmissionSection:
    """The submission's identity and declared operating point."""

    name: str
    version: str
    sha256: str
    model_sha256: str
    task: str
    labels: list[str]
    positive_label: str | None
    threshold: float
    chosen_for: str | None
    team: str

    @classmethod
    def of(cls, submission: Submission) -> SubmissionSection:
        return cls(
            name=submission.name,
            version=submission.version,
            sha256=submission.sha256,
            model_sha256=submission.model_sha256,
            task=submission.task,
            labels=submission.labels,
            positive_label=submission.output.get("positive_label"),
            threshold=submission.threshold,
            chosen_for=submission.manifest["operating_point"].get("chosen_for"),
            team=submission.manifest["team"]["name"],
        )

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TestData:
    """The data set (provenance-gated), its test split and that split's labels: the report's `data` section."""

    frame: pd.DataFrame
    test: pd.DataFrame
    labels: np.ndarray
    splits: dict[str, int]
    provenance_sha256: str

    @classmethod
    def load(cls, data_dir: Path) -> TestData:
        """Load through the provenance gate; refuse a data set without a two-class test split."""
        from saferkit.datasets import load_dataset
        from saferkit.datasets.manifest import TEST
        from saferkit.datasets.provenance import provenance_sha256

        frame = load_dataset(data_dir)
        splits = {str(k): int(v) for k, v in frame["split"].value_counts().sort_index().items()} if "split" in frame else {}
        test = frame[frame["split"] == TEST] if "split" in frame else frame.iloc[0:0]
        if test.empty:
            raise UserError(
                f"{data_dir} has no '{TEST}' split (splits found: {', '.join(splits) or 'none'}); the harness scores the test split only. "
                "Generate data with `saferkit data synth` or add a split column with 'test' rows."
            )
        flags = set(test["flag"].astype(int))
        if flags != {0, 1}:
            only = "positives" if flags == {1} else "negatives"
            raise UserError(
                f"the test split of {data_dir} holds only {only} ({len(test)} items); ranking metrics, recall and FPR need both. "
                "Use a test split with positive and negative items."
            )
        test = test.reset_index(drop=True)
        return cls(frame, test, test["flag"].astype(int).to_numpy(), splits, provenance_sha256(data_dir))

    def to_json(self) -> dict[str, Any]:
        return {
            "provenance_sha256": self.provenance_sha256,
            "content": self.frame.attrs.get("provenance", {}).get("content"),
            "splits": self.splits,
            "evaluated_split": "test",
            "n": int(len(self.test)),
            "positives": int(self.labels.sum()),
        }
