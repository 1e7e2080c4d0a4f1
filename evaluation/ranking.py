"""Ranking and triage metrics, computed for many bootstrap resamples at once.

Why vectorised: a bootstrap resample is a vector of counts (how often each item
was drawn). Sorting the items by score once and summing the counts within each
run of tied scores turns every ranking metric into cumulative sums over a
`(resamples, levels)` matrix, so 1,000 resamples cost a few matrix passes
instead of 1,000 calls to scikit-learn. With all counts equal to one the same
code gives the plain estimate, and the tests check that estimate against
scikit-learn on the same predictions.

Ties are handled as scikit-learn does: all items with the same score share one
threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RECALL_TARGET = 0.95
PARTIAL_AUC_MAX_FPR = 0.1
FPR_TARGETS = (0.01, 0.001)

HEADLINE_METRICS = (
    "roc_auc",
    "pr_auc",
    "partial_auc_fpr_0.1",
    "recall_at_fpr_0.01",
    "recall_at_fpr_0.001",
    "fpr_at_recall_0.95",
    "wss_at_recall_0.95",
    "precision_at_k",
)


@dataclass(frozen=True)
class RankedItems:
    """Items ordered by descending score, with the start of each run of tied scores."""

    order: np.ndarray  # indices that sort the items by descending score
    level_starts: np.ndarray  # first sorted position of each distinct score
    labels_sorted: np.ndarray  # 0/1 labels in sorted order, float64
    scores_levels: np.ndarray  # the distinct scores, descending

    @classmethod
    def build(cls, labels: np.ndarray, scores: np.ndarray) -> "RankedItems":
        scores = np.asarray(scores, dtype=np.float64)
        order = np.argsort(-scores, kind="stable")
        sorted_scores = scores[order]
        is_new = np.empty(len(sorted_scores), dtype=bool)
        if len(sorted_scores):
            is_new[0] = True
            is_new[1:] = sorted_scores[1:] != sorted_scores[:-1]
        starts = np.flatnonzero(is_new)
        return cls(order, starts, np.asarray(labels, dtype=np.float64)[order], sorted_scores[starts])


@dataclass(frozen=True)
class CumulativeCounts:
    """Per resample and per score level (descending): true and false positives at or above it."""

    pos_level: np.ndarray  # (B, L) positive weight at each level
    neg_level: np.ndarray  # (B, L) negative weight at each level
    tp: np.ndarray  # (B, L) cumulative
    fp: np.ndarray  # (B, L) cumulative

    @property
    def positives(self) -> np.ndarray:
        return self.tp[:, -1]

    @property
    def negatives(self) -> np.ndarray:
        return self.fp[:, -1]


def cumulative_counts(ranked: RankedItems, weights: np.ndarray | None = None) -> CumulativeCounts:
    """Sum item weights (resample counts; ones for the plain estimate) per tie level."""
    n = len(ranked.order)
    if weights is None:
        weights_sorted = np.ones((1, n))
    else:
        weights_sorted = np.asarray(weights, dtype=np.float64)[:, ranked.order]
    positive = weights_sorted * ranked.labels_sorted
    pos_level = np.add.reduceat(positive, ranked.level_starts, axis=1)
    all_level = np.add.reduceat(weights_sorted, ranked.level_starts, axis=1)
    neg_level = all_level - pos_level
    return CumulativeCounts(pos_level, neg_level, np.cumsum(pos_level, axis=1), np.cumsum(neg_level, axis=1))


def _rates(counts: CumulativeCounts) -> tuple[np.ndarray, np.ndarray]:
    """TPR and FPR per level, with the (0, 0) origin prepended."""
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = counts.tp / counts.positives[:, None]
        fpr = counts.fp / counts.negatives[:, None]
    zeros = np.zeros((tpr.shape[0], 1))
    return np.hstack([zeros, tpr]), np.hstack([zeros, fpr])


def roc_auc(counts: CumulativeCounts) -> np.ndarray:
    """Area under the ROC curve (trapezoids; ties count one half)."""
    tpr, fpr = _rates(counts)
    return np.sum(np.diff(fpr, axis=1) * (tpr[:, 1:] + tpr[:, :-1]) / 2.0, axis=1)


def average_precision(counts: CumulativeCounts) -> np.ndarray:
    """PR-AUC as average precision: precision at each threshold weighted by the recall gained there."""
    tpr, _ = _rates(counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = counts.tp / (counts.tp + counts.fp)
    precision = np.nan_to_num(precision, nan=0.0)
    return np.sum(np.diff(tpr, axis=1) * precision, axis=1)


def partial_auc(counts: CumulativeCounts, max_fpr: float = PARTIAL_AUC_MAX_FPR) -> np.ndarray:
    """ROC area up to `max_fpr`, McClish-standardised to [0.5, 1] like scikit-learn's `max_fpr`."""
    tpr, fpr = _rates(counts)
    f0, f1, t0, t1 = fpr[:, :-1], fpr[:, 1:], tpr[:, :-1], tpr[:, 1:]
    f1_clipped = np.minimum(f1, max_fpr)
    width = np.clip(f1_clipped - f0, 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(f1 > f0, (f1_clipped - f0) / (f1 - f0), 0.0)
    t1_clipped = t0 + np.clip(share, 0.0, 1.0) * (t1 - t0)
    area = np.sum(width * (t0 + t1_clipped) / 2.0, axis=1)
    min_area, max_area = 0.5 * max_fpr**2, max_fpr
    return 0.5 * (1.0 + (area - min_area) / (max_area - min_area))


def recall_at_fpr(counts: CumulativeCounts, target_fpr: float) -> np.ndarray:
    """The highest recall reachable by a threshold whose FPR does not exceed the target."""
    tpr, fpr = _rates(counts)
    return np.max(np.where(fpr <= target_fpr + 1e-12, tpr, 0.0), axis=1)


def _first_level_reaching(tpr: np.ndarray, target_recall: float) -> np.ndarray:
    return np.argmax(tpr >= target_recall - 1e-12, axis=1)


def fpr_at_recall(counts: CumulativeCounts, target_recall: float = RECALL_TARGET) -> np.ndarray:
    """The lowest FPR of a threshold that still finds `target_recall` of the positives."""
    tpr, fpr = _rates(counts)
    return np.min(np.where(tpr >= target_recall - 1e-12, fpr, np.inf), axis=1)


def skip_share_at_recall(counts: CumulativeCounts, target_recall: float = RECALL_TARGET) -> np.ndarray:
    """Share of all items a reviewer never opens when reviewing by score until `target_recall` is found."""
    tpr, _ = _rates(counts)
    level = _first_level_reaching(tpr[:, 1:], target_recall)
    rows = np.arange(tpr.shape[0])
    reviewed = counts.tp[rows, level] + counts.fp[rows, level]
    total = counts.positives + counts.negatives
    return 1.0 - reviewed / total


def wss_at_recall(counts: CumulativeCounts, target_recall: float = RECALL_TARGET) -> np.ndarray:
    """Work saved over sampling: the skipped share minus what random sampling would skip."""
    return skip_share_at_recall(counts, target_recall) - (1.0 - target_recall)


def precision_at_k(counts: CumulativeCounts, k: int) -> np.ndarray:
    """Precision among the k highest-scored items (a tie at the cut counts pro rata)."""
    total = counts.tp + counts.fp
    cut = min(float(k), float(total[0, -1]))
    level = np.argmax(total >= cut - 1e-9, axis=1)
    rows = np.arange(total.shape[0])
    before_total = np.where(level > 0, total[rows, np.maximum(level - 1, 0)], 0.0)
    before_tp = np.where(level > 0, counts.tp[rows, np.maximum(level - 1, 0)], 0.0)
    level_total = counts.pos_level[rows, level] + counts.neg_level[rows, level]
    share = (cut - before_total) / level_total
    return (before_tp + share * counts.pos_level[rows, level]) / cut


def headline_metrics(counts: CumulativeCounts, k: int) -> dict[str, np.ndarray]:
    """Every headline metric, one value per resample."""
    return {
        "roc_auc": roc_auc(counts),
        "pr_auc": average_precision(counts),
        "partial_auc_fpr_0.1": partial_auc(counts),
        "recall_at_fpr_0.01": recall_at_fpr(counts, 0.01),
        "recall_at_fpr_0.001": recall_at_fpr(counts, 0.001),
        "fpr_at_recall_0.95": fpr_at_recall(counts),
        "wss_at_recall_0.95": wss_at_recall(counts),
        "precision_at_k": precision_at_k(counts, k),
    }


def curves(labels: np.ndarray, scores: np.ndarray) -> dict[str, list[float]]:
    """ROC, precision-recall and recall-vs-share-reviewed curves of the plain estimate, for plots."""
    ranked = RankedItems.build(labels, scores)
    counts = cumulative_counts(ranked)
    tpr, fpr = _rates(counts)
    tp, fp = counts.tp[0], counts.fp[0]
    precision = np.concatenate([[1.0], tp / (tp + fp)])
    share = np.concatenate([[0.0], (tp + fp) / (tp[-1] + fp[-1])])
    grid = np.linspace(0.0, 1.0, 101)
    recall_by_share = np.interp(grid, share, tpr[0])
    return {
        "fpr": _thin(fpr[0]),
        "tpr": _thin(tpr[0]),
        "precision": _thin(precision),
        "recall": _thin(tpr[0]),
        "share_reviewed": grid.round(4).tolist(),
        "recall_by_share_reviewed": recall_by_share.round(6).tolist(),
    }


def _thin(values: np.ndarray, max_points: int = 400) -> list[float]:
    """Keep curves small in the report: at most `max_points` evenly spaced points, ends included."""
    if len(values) > max_points:
        values = values[np.unique(np.linspace(0, len(values) - 1, max_points).round().astype(int))]
    return [round(float(v), 6) for v in values]
