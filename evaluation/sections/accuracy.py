"""Ranking, the declared operating point and calibration: the report's `headline`, `operating_point`,
`calibration`, `curves` and `precision_k`, all from one set of bootstrap resamples so they agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from saferkit.evaluation.bootstrap import BootstrapPlan
from saferkit.evaluation.sections import Metric

CALIBRATION_BINS = 10


@dataclass(frozen=True)
class OperatingPoint:
    """Results at the team's declared threshold (flag when score >= threshold)."""

    threshold: float
    tp: int
    fp: int
    tn: int
    fn: int
    precision: Metric
    recall: Metric
    specificity: Metric

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Calibration:
    """Brier score and expected calibration error with intervals, and the reliability table."""

    brier: Metric
    ece: Metric
    reliability: list[dict[str, Any]]
    bins: int = CALIBRATION_BINS

    def to_json(self) -> dict[str, Any]:
        return {"brier": self.brier, "ece": self.ece, "bins": self.bins, "reliability": self.reliability}


@dataclass(frozen=True)
class Accuracy:
    """Headline ranking metrics, the operating point and calibration of one set of scores."""

    headline: dict[str, Metric]
    operating_point: OperatingPoint
    calibration: Calibration
    curves: dict[str, list[float]]
    precision_k: int

    @classmethod
    def compute(cls, labels: np.ndarray, scores: np.ndarray, threshold: float, plan: BootstrapPlan, k: int) -> Accuracy:
        """Point estimates and percentile intervals from the same stratified resamples for every number."""
        from saferkit.evaluation import ranking
        from saferkit.evaluation.bootstrap import collect, metric
        from saferkit.evaluation.calibration import calibration_metrics, reliability_table
        from saferkit.evaluation.operating_point import confusion, rates

        ranked = ranking.RankedItems.build(labels, scores)

        def compute(weights: np.ndarray | None) -> dict[str, np.ndarray]:
            values = ranking.headline_metrics(ranking.cumulative_counts(ranked, weights), k)
            values.update({f"op/{name}": v for name, v in rates(confusion(labels, scores, threshold, weights)).items()})
            values.update({f"cal/{name}": v for name, v in calibration_metrics(labels, scores, weights).items()})
            return values

        point = compute(None)
        samples = collect(labels, plan, compute)

        def measured(name: str) -> Metric:
            return metric(float(point[name][0]), samples[name], plan.confidence)

        cells = {name: int(v[0]) for name, v in confusion(labels, scores, threshold).items()}
        return cls(
            headline={name: measured(name) for name in ranking.HEADLINE_METRICS},
            operating_point=OperatingPoint(threshold, cells["tp"], cells["fp"], cells["tn"], cells["fn"], measured("op/precision"), measured("op/recall"), measured("op/specificity")),
            calibration=Calibration(measured("cal/brier"), measured("cal/ece"), reliability_table(labels, scores)),
            curves=ranking.curves(labels, scores),
            precision_k=min(k, len(labels)),
        )


@dataclass(frozen=True)
class Variant:
    """Headline results on one spurious-correlation split (test_balanced or test_conflicting)."""

    n: int
    positives: int
    accuracy: Accuracy

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "positives": self.positives, **self.accuracy.headline, "operating_point": self.accuracy.operating_point.to_json()}
