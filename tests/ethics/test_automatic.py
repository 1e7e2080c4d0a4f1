"""Automatic criteria: decided from report.json, on the cautious end of each interval."""

from __future__ import annotations

import dataclasses

from ethics_cases import make_report, metric

from saferkit.ethics.automatic import decide_automatic
from saferkit.ethics.checklist import criteria_by_id
from saferkit.ethics.profile import load_profile

SHA = "5" * 8 + "0123456789abcdef" * 3 + "abcdef01"


def decide(cid: str, report: dict, profile=None):
    return decide_automatic(criteria_by_id()[cid], report, profile or load_profile(), SHA)


def test_bias_gap_is_judged_on_the_upper_confidence_bound():
    limit = load_profile().limits["max_equalized_odds_difference"]
    inside = make_report(SHA, bias__max_equalized_odds_difference=metric(0.05, 0.02, limit - 0.01))
    assert decide("fairness.equalized_odds", inside).result == "pass"
    # The estimate is fine but the interval reaches past the limit: not shown, so not a pass.
    wide = make_report(SHA, bias__max_equalized_odds_difference=metric(limit - 0.05, 0.01, limit + 0.1))
    decision = decide("fairness.equalized_odds", wide)
    assert decision.result == "insufficient-evidence"
    assert "too wide" in decision.why
    large = make_report(SHA, bias__max_equalized_odds_difference=metric(0.4, 0.33, 0.47))
    decision = decide("fairness.equalized_odds", large)
    assert decision.result == "fail"
    assert "0.4 (95% CI 0.33–0.47)" in decision.evidence
    assert "above the limit" in decision.why


def test_worst_group_recall_is_judged_on_the_lower_bound():
    limit = load_profile().limits["min_worst_group_recall"]
    assert decide("fairness.worst_group_recall",
                  make_report(SHA, bias__worst_group_recall=metric(0.9, limit + 0.01, 0.95))).result == "pass"
    assert decide("fairness.worst_group_recall",
                  make_report(SHA, bias__worst_group_recall=metric(limit - 0.1, limit - 0.2, limit))).result == "fail"


def test_missing_or_unestimated_metrics_never_pass():
    report = make_report(SHA)
    del report["calibration"]
    decision = decide("harm.calibration", report)
    assert (decision.result, decision.evidence.split(";")[0]) == ("insufficient-evidence", "calibration.ece: absent")
    unestimated = make_report(SHA, bias__worst_group_recall=metric(None, None, None, note="too few to estimate"))
    decision = decide("fairness.worst_group_recall", unestimated)
    assert decision.result == "insufficient-evidence"
    assert "too few to estimate" in decision.why
    no_interval = make_report(SHA, calibration__ece=metric(0.01))
    assert decide("harm.calibration", no_interval).result == "insufficient-evidence"


def test_a_section_marked_invalid_is_insufficient_evidence():
    report = make_report(SHA, sections_invalid=[{"section": "robustness", "reason": "transform failed"}])
    decision = decide("harm.robustness", report)
    assert decision.result == "insufficient-evidence"
    assert "transform failed" in decision.why


def test_robustness_drop_and_shortcut_difference():
    limit = load_profile().limits["max_auc_drop"]
    assert decide("harm.robustness", make_report(SHA, robustness__max_auc_drop=limit)).result == "pass"
    assert decide("harm.robustness", make_report(SHA, robustness__max_auc_drop=limit + 0.05)).result == "fail"
    collapsed = make_report(SHA, variants__test_conflicting={"roc_auc": metric(0.6, 0.55, 0.65)})
    decision = decide("fairness.no_shortcut", collapsed)
    assert decision.result == "fail"
    assert "gap = 0.365" in decision.evidence  # balanced 0.965 - conflicting 0.60
    reversed_cue = make_report(SHA, variants__test_conflicting={"roc_auc": metric(0.999, 0.99, 1.0)},
                               variants__test_balanced={"roc_auc": metric(0.7, 0.6, 0.8)})
    assert decide("fairness.no_shortcut", reversed_cue).result == "fail"  # better on conflicting: still a cue
    report = make_report(SHA)
    del report["variants"]
    assert decide("fairness.no_shortcut", report).result == "insufficient-evidence"


def test_every_measure_of_a_criterion_must_pass():
    low_recall = make_report(SHA, operating_point__recall=metric(0.6, 0.5, 0.7))
    decision = decide("harm.accuracy", low_recall)
    assert decision.result == "fail"
    assert "operating_point.recall" in decision.why and "headline.roc_auc" not in decision.why


def test_claims_must_be_confirmed():
    confirmed = {"metric": "roc_auc", "declared": 0.95, "measured": metric(0.97, 0.95, 0.98), "verdict": "confirmed"}
    refuted = {"metric": "recall_at_fpr_0.01", "declared": 0.9, "measured": metric(0.6, 0.5, 0.7),
               "verdict": "not-confirmed"}
    unmeasured = {"metric": "wss_at_recall_0.99", "declared": 0.8, "measured": metric(None), "verdict": "not-measured"}
    assert decide("hub.claims_confirmed", make_report(SHA, claims=[confirmed])).result == "pass"
    decision = decide("hub.claims_confirmed", make_report(SHA, claims=[confirmed, refuted]))
    assert decision.result == "fail"
    assert "recall_at_fpr_0.01: declared 0.9, measured 0.6" in decision.evidence
    assert decide("hub.claims_confirmed", make_report(SHA, claims=[confirmed, unmeasured])).result == "insufficient-evidence"
    assert decide("hub.claims_confirmed", make_report(SHA, claims=[])).result == "insufficient-evidence"
    lenient = dataclasses.replace(load_profile(), require_claims=False)
    assert decide("hub.claims_confirmed", make_report(SHA, claims=[]), lenient).result == "pass"


def test_audit_trail_needs_provenance_seed_and_software():
    assert decide("governance.audit_trail", make_report(SHA)).result == "pass"
    report = make_report(SHA, software={})
    del report["config"]["seed"]
    decision = decide("governance.audit_trail", report)
    assert decision.result == "insufficient-evidence"
    assert "no random seed" in decision.why and "no software versions" in decision.why


def test_a_malformed_report_section_is_insufficient_evidence_not_a_crash():
    report = make_report(SHA, claims=[1, "x"], sections_invalid=5, bias="oops", robustness={"max_auc_drop": "low"},
                         calibration={"ece": [0.1]})
    for cid in ("hub.claims_confirmed", "fairness.equalized_odds", "harm.robustness", "harm.calibration"):
        assert decide(cid, report).result == "insufficient-evidence", cid


def test_invalid_parts_cover_their_paths_and_their_section_summaries():
    one_transform = make_report(SHA, sections_invalid=[{"section": "robustness/jpeg/3", "reason": "NaN scores"}])
    decision = decide("harm.robustness", one_transform)
    assert decision.result == "insufficient-evidence" and "robustness/jpeg/3: NaN scores" in decision.why
    conflicting = make_report(SHA, sections_invalid=[{"section": "variants/test_conflicting", "reason": "one class"}])
    assert decide("fairness.no_shortcut", conflicting).result == "insufficient-evidence"
    assert decide("harm.accuracy", conflicting).result == "pass"
    efficiency = make_report(SHA, sections_invalid=[{"section": "efficiency", "reason": "timing failed"}])
    assert decide("fairness.no_shortcut", efficiency).result == "pass"
    assert decide("harm.efficiency", efficiency).result == "insufficient-evidence"
