"""Calibration: Brier score, expected calibration error and the reliability diagram.

Per-resample values use the same count matrices as the ranking metrics; one bin
membership matrix turns the binned sums into a single matrix product.
"""

from __future__ import annotations

import numpy as np

BINS = 10


def _bin_index(scores: np.ndarray, bins: int) -> np.ndarray:
    return np.clip((np.asarray(scores, dtype=np.float64) * bins).astype(int), 0, bins - 1)


def calibration_metrics(labels: np.ndarray, scores: np.ndarray, weights: np.ndarray | None = None, bins: int = BINS) -> dict[str, np.ndarray]:
    """Brier score and ECE (equal-width bins, weighted by bin size), one value per resample."""
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    weights = np.ones((1, len(labels))) if weights is None else weights
    total = weights.sum(axis=1)
    brier = weights @ (scores - labels) ** 2 / total
    membership = np.zeros((len(labels), bins))
    membership[np.arange(len(labels)), _bin_index(scores, bins)] = 1.0
    gap = weights @ (membership * (labels - scores)[:, None])
    ece = np.abs(gap).sum(axis=1) / total
    return {"brier": brier, "ece": ece}


def reliability_table(labels: np.ndarray, scores: np.ndarray, bins: int = BINS) -> list[dict]:
    """Per bin: score range, items, mean predicted score and observed positive rate."""
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    index = _bin_index(scores, bins)
    rows = []
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        rows.append(
            {
                "bin_low": b / bins,
                "bin_high": (b + 1) / bins,
                "n": n,
                "mean_score": float(scores[inside].mean()) if n else None,
                "positive_rate": float(labels[inside].mean()) if n else None,
            }
        )
    return rows
