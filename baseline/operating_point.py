"""The recommended threshold and the claims, both measured on val (test stays unseen).

Triage wants few missed positives, so the threshold is the highest score that
still flags at least TARGET_RECALL of val positives: the evaluation's own
`threshold_for_recall` and `is_flagged` rules (score >= threshold flags).

A claim is a promise to agencies, so it is the cautious end of the val
bootstrap interval, not the val point: a point estimate on a few hundred val
images lies above the test interval about half the time, and an over-claim
fails `hub.claims_confirmed`.
"""

from __future__ import annotations

import numpy as np

from saferkit.evaluation.operating_point import threshold_for_recall

TARGET_RECALL = 0.95
CHOSEN_FOR = f"recall>={TARGET_RECALL:.2f} on the val split"
CLAIMED_METRICS = ("roc_auc", "pr_auc", "recall_at_fpr_0.01")
CLAIM_RESAMPLES = 500
CLAIM_SEED = 0


def recommended_threshold(flags: np.ndarray, scores: np.ndarray, target: float = TARGET_RECALL) -> float:
    """The threshold to declare: the highest one that keeps `target` of the val positives (flags == 1) flagged."""
    threshold = threshold_for_recall(np.asarray(scores, dtype=np.float64)[np.asarray(flags) == 1], target)
    if threshold is None:
        raise ValueError("no positives to choose a threshold on")
    return threshold


def val_measurements(flags: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Ranking metrics (computed by the evaluation harness's own code) and the rates at `threshold`."""
    from saferkit.evaluation.operating_point import confusion, rates
    from saferkit.evaluation.ranking import RankedItems, cumulative_counts, headline_metrics

    flags = np.asarray(flags)
    counts = cumulative_counts(RankedItems.build(flags, scores))
    measured = {name: float(values[0]) for name, values in headline_metrics(counts, k=int(flags.sum())).items()}
    measured |= {f"{name}_ci_low": low for name, low in _lower_bounds(flags, scores).items()}
    cells = confusion(flags, scores, threshold)
    at_threshold = rates(cells)
    measured["recall"] = float(at_threshold["recall"][0])
    measured["fpr"] = float(cells["fp"][0] / max(cells["fp"][0] + cells["tn"][0], 1))
    return measured


def _lower_bounds(flags: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """The lower end of each claimed metric's val interval, by the evaluation's own stratified bootstrap."""
    from saferkit.evaluation.bootstrap import BootstrapPlan, collect, interval
    from saferkit.evaluation.ranking import RankedItems, cumulative_counts, headline_metrics

    ranked = RankedItems.build(flags, scores)
    k = int(flags.sum())
    samples = collect(flags, BootstrapPlan(CLAIM_RESAMPLES, CLAIM_SEED),
                      lambda weights: headline_metrics(cumulative_counts(ranked, weights), k))
    bounds = {}
    for name in CLAIMED_METRICS:
        low, _ = interval(samples[name])
        if low is not None:
            bounds[name] = low
    return bounds


def claims_from(measured: dict[str, float]) -> dict[str, float]:
    """The metrics a submission declares: the lower end of each val interval, rounded down (names as the report uses them)."""
    claims = {}
    for name in CLAIMED_METRICS:
        cautious = measured.get(f"{name}_ci_low", measured[name])
        claims[name] = float(np.floor(cautious * 10_000) / 10_000)
    return claims
