"""Disaggregated results: the report's `bias` (per subgroup and pair of subgroups) and, for a
multiclass task, `multiclass` (per class). Both are computed by their own modules
(evaluation/bias.py, evaluation/multiclass.py); these sections hold the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from saferkit.evaluation.bootstrap import BootstrapPlan
from saferkit.evaluation.config import EvaluationConfig
from saferkit.evaluation.sections.about import TestData
from saferkit.evaluation.submission import Submission


@dataclass(frozen=True)
class Bias:
    """Groups with intervals, gaps and the worst group, for every recorded attribute and pair."""

    section: dict[str, Any]

    @classmethod
    def compute(cls, data: TestData, scores: np.ndarray, threshold: float, plan: BootstrapPlan, config: EvaluationConfig) -> Bias:
        from saferkit.datasets.manifest import ATTRIBUTES
        from saferkit.evaluation.bias import BiasConfig, bias_report

        settings = BiasConfig(config.min_group_size, config.min_group_class_count, config.intersections)
        return cls(bias_report(data.test, data.labels, scores, threshold, tuple(ATTRIBUTES), plan, settings))

    @property
    def worst_group_recall(self) -> dict[str, Any] | None:
        return self.section.get("worst_group_recall")

    def to_json(self) -> dict[str, Any]:
        return self.section


@dataclass(frozen=True)
class Multiclass:
    """Per-class and macro results with intervals."""

    section: dict[str, Any]

    @classmethod
    def compute(cls, data: TestData, probabilities: np.ndarray, submission: Submission, plan: BootstrapPlan) -> Multiclass:
        from saferkit.evaluation.multiclass import multiclass_report, true_classes

        classes = true_classes(data.test["category"].astype(str).to_numpy(), submission.labels)
        return cls(multiclass_report(classes, probabilities.astype(np.float64), submission.labels, plan))

    def to_json(self) -> dict[str, Any]:
        return self.section
