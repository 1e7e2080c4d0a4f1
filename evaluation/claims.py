"""Claims: each metric a team declared, against what the harness measured.

A claim is a promise ("at least this good"), so it is confirmed when the
declared value lies inside the measured confidence interval (`direction`
"within") or is more cautious than the whole interval ("conservative": an
AUC claimed below the interval, an ECE claimed above it). It is not confirmed
when it promises more than the interval shows; `direction` then says whether
the declared number lies "above" or "below" the interval.
"""

from __future__ import annotations

from typing import Any

# Where each claimable metric lives in the report, for names that are not headline metrics.
LOCATIONS = {
    "precision": ("operating_point", "precision"),
    "recall": ("operating_point", "recall"),
    "specificity": ("operating_point", "specificity"),
    "brier": ("calibration", "brier"),
    "ece": ("calibration", "ece"),
    "worst_group_recall": ("bias", "worst_group_recall"),
    "max_equalized_odds_difference": ("bias", "max_equalized_odds_difference"),
    "max_demographic_parity_difference": ("bias", "max_demographic_parity_difference"),
    "macro_roc_auc": ("multiclass", "macro_roc_auc"),
    "macro_f1": ("multiclass", "macro_f1"),
    "accuracy": ("multiclass", "accuracy"),
}
# Metrics where a smaller number is better: claiming one above the interval is cautious, below it an over-claim.
LOWER_IS_BETTER = frozenset({"brier", "ece", "fpr", "fpr_at_recall_0.95", "max_equalized_odds_difference",
                             "max_demographic_parity_difference"})
ALIASES = {"auc": "roc_auc", "average_precision": "pr_auc", "ap": "pr_auc", "wss_95": "wss_at_recall_0.95", "wss@95": "wss_at_recall_0.95"}


def measured_metric(report: dict[str, Any], name: str) -> dict[str, Any] | None:
    name = ALIASES.get(name, name)
    if name in report.get("headline", {}):
        return report["headline"][name]
    section, key = LOCATIONS.get(name, (None, None))
    if section and isinstance(report.get(section), dict):
        return report[section].get(key)
    return None


def check_claims(declared: dict[str, float], report: dict[str, Any]) -> list[dict[str, Any]]:
    """One verdict per declared metric: confirmed, not-confirmed or not-measured."""
    rows = []
    for name, value in sorted((declared or {}).items()):
        measured = measured_metric(report, name)
        row: dict[str, Any] = {"metric": name, "declared": float(value), "measured": measured}
        if measured is None or measured.get("value") is None:
            row["verdict"] = "not-measured"
            row["why"] = "the harness has no such metric" if measured is None else measured.get("note", "not estimable on this data")
            row["measured"] = measured or {"value": None, "ci_low": None, "ci_high": None, "note": "no such metric"}
        elif measured.get("ci_low") is None:
            row["verdict"] = "not-measured"
            row["why"] = "no interval could be estimated, so the claim cannot be tested"
        elif measured["ci_low"] <= value <= measured["ci_high"]:
            row["verdict"] = "confirmed"
            row["direction"] = "within"
        else:
            direction = "above" if value > measured["ci_high"] else "below"
            cautious = "above" if ALIASES.get(name, name) in LOWER_IS_BETTER else "below"
            row["verdict"] = "confirmed" if direction == cautious else "not-confirmed"
            row["direction"] = "conservative" if direction == cautious else direction
        rows.append(row)
    return rows
