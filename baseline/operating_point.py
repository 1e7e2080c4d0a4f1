"""The recommended threshold and the claims, both measured on val (test stays unseen).

Triage wants few missed positives, so the threshold is the highest score that
still flags at least TARGET_RECALL of val positives (score >= threshold flags).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

TARGET_RECALL = 0.95
CHOSEN_FOR = f"recall>={TARGET_RECALL:.2f} on the val split"


def threshold_for_recall(flags: np.ndarray, scores: np.ndarray, target: float = TARGET_RECALL) -> float:
    """Highest threshold t with recall(scores >= t) >= target."""
    positives = np.sort(np.asarray(scores, dtype=np.float64)[np.asarray(flags) == 1])[::-1]
    if len(positives) == 0:
        raise ValueError("no positives to choose a threshold on")
    needed = max(1, math.ceil(target * len(positives) - 1e-9))
    return float(positives[needed - 1])


def recall_at_fpr(flags: np.ndarray, scores: np.ndarray, max_fpr: float) -> float:
    """Best recall among ROC points whose false-positive rate is at most `max_fpr`."""
    fpr, tpr, _ = roc_curve(flags, scores)
    return float(tpr[fpr <= max_fpr].max())


def val_measurements(flags: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Ranking metrics and the confusion rates at `threshold`."""
    flags = np.asarray(flags)
    flagged = np.asarray(scores) >= threshold
    return {
        "roc_auc": float(roc_auc_score(flags, scores)),
        "pr_auc": float(average_precision_score(flags, scores)),
        "recall_at_fpr_0.01": recall_at_fpr(flags, scores, 0.01),
        "recall": float(flagged[flags == 1].mean()),
        "fpr": float(flagged[flags == 0].mean()),
    }


def claims_from(measured: dict[str, float]) -> dict[str, float]:
    """The metrics a submission declares (names as the evaluation report uses them)."""
    return {name: round(measured[name], 4) for name in ("roc_auc", "pr_auc", "recall_at_fpr_0.01")}
