"""Results at the team's declared threshold: confusion matrix, precision, recall, specificity."""

from __future__ import annotations

import numpy as np


def predicted_positive(scores: np.ndarray, threshold: float) -> np.ndarray:
    """An item is flagged when its score reaches the threshold (the same rule serving uses)."""
    return np.asarray(scores, dtype=np.float64) >= threshold


def confusion(labels: np.ndarray, scores: np.ndarray, threshold: float, weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """tp, fp, tn, fn per resample (weights are resample counts; None means the data as is)."""
    labels = np.asarray(labels, dtype=np.float64)
    flagged = predicted_positive(scores, threshold).astype(np.float64)
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
