"""Paired comparison of two score vectors on the same items: a paired bootstrap interval and DeLong's test.

Why paired: two models scored on the same test items share the items' luck.
Resampling the items once and computing both models' metric on every resample
cancels that shared noise, so the difference's interval is much narrower than
two separate intervals suggest; overlapping separate intervals say nothing
about whether the difference is real. DeLong's test (DeLong, DeLong and
Clarke-Pearson, 1988) gives the same answer for ROC-AUC in closed form, from
the Mann-Whitney structural components of each model and their covariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from saferkit.core.errors import UserError
from saferkit.evaluation.bootstrap import BootstrapPlan, interval
from saferkit.evaluation.ranking import HEADLINE_METRICS, RankedItems, cumulative_counts, headline_metrics

DEFAULT_K = 100


@dataclass(frozen=True)
class DeLong:
    """DeLong's test of AUC(A) = AUC(B): both AUCs, the variance of their difference, z and the two-sided p."""

    auc_a: float
    auc_b: float
    variance: float
    z: float | None
    p_value: float

    def to_json(self) -> dict[str, Any]:
        return {"auc_a": self.auc_a, "auc_b": self.auc_b, "difference": self.auc_a - self.auc_b,
                "variance": self.variance, "z": self.z, "p_value": self.p_value}


def _midranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties sharing their mean rank."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(len(values), dtype=np.float64)
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    return ranks


def _structural_components(labels: np.ndarray, scores: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and the per-positive (V10) and per-negative (V01) placement values, in O(n log n) by midranks (Sun and Xu, 2014)."""
    positives, negatives = scores[labels == 1], scores[labels == 0]
    m, n = len(positives), len(negatives)
    all_ranks = _midranks(np.concatenate([positives, negatives]))
    pos_ranks, neg_ranks = _midranks(positives), _midranks(negatives)
    v10 = (all_ranks[:m] - pos_ranks) / n
    v01 = 1.0 - (all_ranks[m:] - neg_ranks) / m
    return float(v10.mean()), v10, v01


def delong_test(labels: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray) -> DeLong:
    """DeLong's paired test for two correlated ROC-AUCs on the same items."""
    from scipy.stats import norm

    labels = np.asarray(labels).astype(int)
    m, n = int(labels.sum()), int((labels == 0).sum())
    if m < 2 or n < 2:
        raise UserError(f"DeLong's test needs at least two positives and two negatives (have {m} and {n}).")
    auc_a, v10_a, v01_a = _structural_components(labels, np.asarray(scores_a, dtype=np.float64))
    auc_b, v10_b, v01_b = _structural_components(labels, np.asarray(scores_b, dtype=np.float64))
    s10 = np.cov(np.vstack([v10_a, v10_b]))
    s01 = np.cov(np.vstack([v01_a, v01_b]))
    contrast = np.array([1.0, -1.0])
    variance = float(contrast @ (s10 / m + s01 / n) @ contrast)
    difference = auc_a - auc_b
    if variance <= 0.0:
        return DeLong(auc_a, auc_b, 0.0, None, 1.0 if difference == 0.0 else 0.0)
    z = difference / math.sqrt(variance)
    return DeLong(auc_a, auc_b, variance, z, float(2.0 * norm.sf(abs(z))))


@dataclass(frozen=True)
class PairedDifference:
    """metric(A) - metric(B) on the same items, with a paired bootstrap interval (and DeLong for ROC-AUC)."""

    metric: str
    value_a: float
    value_b: float
    difference: float
    ci_low: float | None
    ci_high: float | None
    resamples: int
    seed: int
    n: int
    delong: DeLong | None

    @property
    def distinguishable(self) -> bool:
        """True when the paired interval excludes zero: the data can tell A and B apart on this metric."""
        return self.ci_low is not None and self.ci_high is not None and (self.ci_low > 0.0 or self.ci_high < 0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric, "a": self.value_a, "b": self.value_b, "difference": self.difference,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "distinguishable": self.distinguishable,
            "bootstrap": {"resamples": self.resamples, "seed": self.seed, "paired": True, "stratified_by": "label"},
            "n": self.n, "delong": None if self.delong is None else self.delong.to_json(),
        }


class PairedBootstrap:
    """One set of bootstrap resamples of a test split, shared by every comparison on it.

    The count matrices are drawn once (same seed, same strata) and kept, so
    comparing many pairs, or ranking a whole board, reuses the same resamples.
    """

    def __init__(self, labels: np.ndarray, plan: BootstrapPlan) -> None:
        self.labels = np.asarray(labels).astype(int)
        self.plan = plan
        self._chunks: list[np.ndarray] | None = None

    def chunks(self) -> list[np.ndarray]:
        if self._chunks is None:
            from saferkit.evaluation.bootstrap import resample_counts

            self._chunks = list(resample_counts(self.labels, self.plan))
        return self._chunks

    def samples(self, scores: np.ndarray, metric: str, k: int = DEFAULT_K) -> tuple[float, np.ndarray]:
        """The metric's plain estimate and its value on every shared resample."""
        _require_metric(metric)
        ranked = RankedItems.build(self.labels, scores)
        value = float(headline_metrics(cumulative_counts(ranked), k)[metric][0])
        parts = [headline_metrics(cumulative_counts(ranked, counts), k)[metric] for counts in self.chunks()]
        return value, np.concatenate(parts)

    def compare(self, scores_a: np.ndarray, scores_b: np.ndarray, metric: str = "roc_auc", k: int = DEFAULT_K) -> PairedDifference:
        value_a, samples_a = self.samples(scores_a, metric, k)
        value_b, samples_b = self.samples(scores_b, metric, k)
        low, high = interval(samples_a - samples_b, self.plan.confidence)
        test = delong_test(self.labels, scores_a, scores_b) if metric == "roc_auc" else None
        return PairedDifference(metric, value_a, value_b, value_a - value_b, low, high, self.plan.resamples, self.plan.seed, len(self.labels), test)


def _require_metric(metric: str) -> None:
    if metric not in HEADLINE_METRICS:
        raise UserError(f"cannot compare on {metric!r}: paired comparison works on the ranking metrics {', '.join(HEADLINE_METRICS)}.")


def paired_difference(labels: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray, metric: str = "roc_auc",
                      plan: BootstrapPlan | None = None, k: int = DEFAULT_K) -> PairedDifference:
    """metric(A) - metric(B) with a paired, label-stratified bootstrap interval (one pair; see PairedBootstrap for many)."""
    return PairedBootstrap(labels, plan or BootstrapPlan(1000, 0)).compare(np.asarray(scores_a, np.float64), np.asarray(scores_b, np.float64), metric, k)


__all__ = ["DeLong", "PairedBootstrap", "PairedDifference", "delong_test", "paired_difference"]
