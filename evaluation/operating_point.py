"""Operating-point rules shared by evaluation, baseline, serving and scan, and the results at a threshold.

The rules live here once: an item is flagged when its score reaches the
threshold (`is_flagged`), and the threshold that keeps a share of positives
is `threshold_for_recall`. Then the confusion matrix, precision, recall and
specificity at the team's declared threshold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

# Slack on target * n before rounding up, so that float noise (0.95 * 20 = 19.000000000000004)
# does not demand one more positive than the target means.
RECALL_SLACK = 1e-9


def is_flagged(scores: Any, threshold: float) -> np.ndarray:
    """Whether each score is flagged: it reaches the threshold (`score >= threshold`), the one rule everywhere.

    Takes an array, a list or one number; returns booleans of the same shape (`bool(...)` for one score).
    """
    return np.asarray(scores, dtype=np.float64) >= threshold


def threshold_for_recall(positive_scores: Iterable[float], recall: float) -> float | None:
    """The highest threshold that keeps at least `recall` of these positives flagged; None without positives.

    Edge rule: the threshold is the score of the k-th highest positive, where k is
    the smallest count whose share reaches `recall` (k = ceil(recall * n - 1e-9),
    at least 1). Positives tied with it are flagged too, so the recall reached
    may exceed the target; recall 1.0 gives the lowest positive score.
    """
    ordered = sorted((float(score) for score in positive_scores), reverse=True)
    if not ordered:
        return None
    needed = min(len(ordered), max(1, math.ceil(recall * len(ordered) - RECALL_SLACK)))
    return ordered[needed - 1]


def confusion(labels: np.ndarray, scores: np.ndarray, threshold: float, weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """tp, fp, tn, fn per resample (weights are resample counts; None means the data as is)."""
    labels = np.asarray(labels, dtype=np.float64)
    flagged = is_flagged(scores, threshold).astype(np.float64)
    weights = np.ones((1, len(labels))) if weights is None else weights
    tp = weights @ (labels * flagged)
    fp = weights @ ((1 - labels) * flagged)
    fn = weights @ (labels * (1 - flagged))
    tn = weights @ ((1 - labels) * (1 - flagged))
    return {"tp": tp, "fp": fp, "tn": tn, "fn": fn}


def rates(cells: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Precision, recall and specificity from confusion cells (NaN where undefined)."""
    tp, fp, tn, fn = cells["tp"], cells["fp"], cells["tn"], cells["fn"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "precision": np.where(tp + fp > 0, tp / (tp + fp), np.nan),
            "recall": tp / (tp + fn),
            "specificity": tn / (tn + fp),
        }
