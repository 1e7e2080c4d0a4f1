"""Multiclass submissions: per-class one-vs-rest ranking, per-class precision/recall/F1 at the argmax, macro averages.

Intervals come from the same stratified bootstrap (strata: the true class).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from saferkit.datasets.manifest import NEGATIVE_CATEGORY
from saferkit.core.errors import UserError
from saferkit.evaluation.bootstrap import BootstrapPlan, collect, metric, not_estimable
from saferkit.evaluation.ranking import RankedItems, average_precision, cumulative_counts, roc_auc
from saferkit.evaluation.labels import negative_index


def true_classes(categories: np.ndarray, labels: list[str]) -> np.ndarray:
    """Index into `labels` of each item's category; the data's negative category maps to the negative label."""
    index = {label: i for i, label in enumerate(labels)}
    negative = negative_index(labels)
    out = np.empty(len(categories), dtype=int)
    unknown = set()
    for i, category in enumerate(categories):
        if category in index:
            out[i] = index[category]
        elif category == NEGATIVE_CATEGORY and negative is not None:
            out[i] = negative
        else:
            unknown.add(str(category))
    if unknown:
        raise UserError(
            f"the data has categories {sorted(unknown)} that are not among the model's labels {labels}; "
            "a multiclass submission must list every category of the data (and a negative label such as 'none')."
        )
    return out


def multiclass_report(classes: np.ndarray, probabilities: np.ndarray, labels: list[str], plan: BootstrapPlan) -> dict[str, Any]:
    """Per-class and macro results with intervals."""
    k = len(labels)
    predicted = probabilities.argmax(axis=1)
    present = [c for c in range(k) if 0 < (classes == c).sum() < len(classes)]
    ranked = {c: RankedItems.build(classes == c, probabilities[:, c]) for c in present}
    truth = np.eye(k)[classes]  # (N, K)
    hits = np.eye(k)[predicted]  # (N, K)

    def compute(weights: np.ndarray) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        tp = weights @ (truth * hits)
        support = weights @ truth
        flagged = weights @ hits
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = tp / flagged
            recall = tp / support
            f1 = 2 * tp / (support + flagged)
        out["accuracy"] = tp.sum(axis=1) / weights.sum(axis=1)
        for c in range(k):
            out[f"precision/{c}"], out[f"recall/{c}"], out[f"f1/{c}"] = precision[:, c], recall[:, c], f1[:, c]
        aucs = []
        for c in present:
            counts = cumulative_counts(ranked[c], weights)
            out[f"roc_auc/{c}"] = roc_auc(counts)
            out[f"pr_auc/{c}"] = average_precision(counts)
            aucs.append(out[f"roc_auc/{c}"])
        out["macro_f1"] = np.nanmean(f1[:, present], axis=1) if present else np.full(len(weights), np.nan)
        out["macro_roc_auc"] = np.mean(aucs, axis=0) if aucs else np.full(len(weights), np.nan)
        return out

    point = compute(np.ones((1, len(classes))))
    samples = collect(classes, plan, compute)
    per_class = []
    for c, label in enumerate(labels):
        row: dict[str, Any] = {"label": label, "support": int((classes == c).sum())}
        for name in ("roc_auc", "pr_auc"):
            key = f"{name}/{c}"
            row[name] = metric(float(point[key][0]), samples[key], plan.confidence) if key in point else not_estimable("the class is absent from the test split")
        for name in ("precision", "recall", "f1"):
            key = f"{name}/{c}"
            value = float(point[key][0])
            row[name] = metric(value, samples[key], plan.confidence) if np.isfinite(value) else not_estimable("no items of or predicted as this class")
        per_class.append(row)
    return {
        "labels": labels,
        "per_class": per_class,
        "macro_roc_auc": metric(float(point["macro_roc_auc"][0]), samples["macro_roc_auc"], plan.confidence),
        "macro_f1": metric(float(point["macro_f1"][0]), samples["macro_f1"], plan.confidence),
        "accuracy": metric(float(point["accuracy"][0]), samples["accuracy"], plan.confidence),
        "confusion_matrix": np.bincount(classes * k + predicted, minlength=k * k).reshape(k, k).tolist(),
    }
