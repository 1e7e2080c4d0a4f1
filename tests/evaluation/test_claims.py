"""Claim verdicts: inside the measured interval, above or below it, or not measurable."""

from __future__ import annotations

from saferkit.evaluation.claims import check_claims

REPORT = {
    "headline": {"roc_auc": {"value": 0.9, "ci_low": 0.88, "ci_high": 0.92}, "pr_auc": {"value": None, "ci_low": None, "ci_high": None, "note": "too few to estimate"}},
    "operating_point": {"recall": {"value": 0.8, "ci_low": 0.75, "ci_high": 0.85}},
    "calibration": {"ece": {"value": 0.05, "ci_low": 0.03, "ci_high": 0.07}},
    "bias": {},
}


def test_verdicts():
    rows = {r["metric"]: r for r in check_claims({"roc_auc": 0.91, "recall": 0.9, "ece": 0.01, "pr_auc": 0.5, "auc": 0.95, "made_up": 1.0}, REPORT)}
    assert rows["roc_auc"]["verdict"] == "confirmed" and rows["roc_auc"]["direction"] == "within"
    assert rows["recall"]["verdict"] == "not-confirmed" and rows["recall"]["direction"] == "above"
    assert rows["ece"]["verdict"] == "not-confirmed" and rows["ece"]["direction"] == "below"
    assert rows["auc"]["verdict"] == "not-confirmed" and rows["auc"]["measured"]["value"] == 0.9
    assert rows["pr_auc"]["verdict"] == "not-measured" and "too few" in rows["pr_auc"]["why"]
    assert rows["made_up"]["verdict"] == "not-measured" and rows["made_up"]["measured"]["value"] is None


def test_a_cautious_claim_is_confirmed_and_an_over_claim_is_not():
    """A claim is a promise: claiming less than the interval shows is honest, claiming more is not."""
    rows = {r["metric"]: r for r in check_claims({"roc_auc": 0.80, "recall": 0.70, "ece": 0.10, "brier": 0.001},
                                                 REPORT | {"calibration": {**REPORT["calibration"], "brier": {"value": 0.04, "ci_low": 0.03, "ci_high": 0.05}}})}
    assert rows["roc_auc"]["verdict"] == "confirmed" and rows["roc_auc"]["direction"] == "conservative"
    assert rows["recall"]["verdict"] == "confirmed" and rows["recall"]["direction"] == "conservative"
    assert rows["ece"]["verdict"] == "confirmed" and rows["ece"]["direction"] == "conservative"  # a larger error than measured
    assert rows["brier"]["verdict"] == "not-confirmed" and rows["brier"]["direction"] == "below"  # a smaller error than measured
