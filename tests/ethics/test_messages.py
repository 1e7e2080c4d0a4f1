"""Gate messages say what to fix: the data to generate, the group or transform responsible, readable at 80 columns."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from ethics_cases import make_report
from rich.console import Console

from saferkit.ethics.automatic import decide_automatic
from saferkit.ethics.checklist import criteria_by_id
from saferkit.ethics.profile import load_profile
from saferkit.ethics.terminal import criteria_view
from saferkit.evaluation.bias import BiasConfig, bias_report
from saferkit.evaluation.bootstrap import BootstrapPlan

SHA = "5" * 8 + "0123456789abcdef" * 3 + "abcdef01"


def decide(cid: str, report: dict, profile=None):
    return decide_automatic(criteria_by_id()[cid], report, profile or load_profile(), SHA)


def row(transform: str, severity: int, drop: float) -> dict:
    return {"transform": transform, "severity": severity, "valid": True, "roc_auc": 0.96 - drop, "auc_drop": drop}


def test_a_missing_variant_says_which_data_to_generate():
    report = make_report(SHA)
    del report["variants"]
    decision = decide("fairness.no_shortcut", report)
    assert decision.result == "insufficient-evidence"
    assert "no test_balanced split" in decision.why
    assert "--spurious palette=b:0.9" in decision.why and "saferkit evaluate plan --make-data" in decision.why


def test_a_gap_names_the_two_groups_and_the_rate_it_is_on():
    rng = np.random.default_rng(0)
    n = 1200
    frame = pd.DataFrame({"palette": rng.choice(["a", "b", "c"], n), "lighting": rng.choice(["dark", "normal"], n)})
    labels = rng.integers(0, 2, n).astype(float)
    scores = np.clip(labels * 0.7 + rng.normal(0.15, 0.15, n) - np.where(frame["palette"] == "c", 0.3, 0.0), 0, 1)
    report = bias_report(frame, labels, scores, 0.5, ("palette", "lighting"), BootstrapPlan(100, 0), BiasConfig(intersections=False))
    gap = report["max_equalized_odds_difference"]
    assert gap["rate"] == "recall" and gap["groups"].endswith("vs c")
    decision = decide("fairness.equalized_odds", make_report(SHA, bias__max_equalized_odds_difference=gap))
    assert decision.result == "fail"
    assert f"groups {gap['groups']}" in decision.evidence and "rate recall" in decision.evidence
    assert decision.why.endswith(f"(palette: {gap['groups']}, on recall)")


def test_robustness_is_judged_on_the_profile_bands_and_names_the_transform():
    profile = dataclasses.replace(load_profile(), robustness_bands={"jpeg": 3, "downscale": 3})
    limit = profile.limits["max_auc_drop"]
    rows = [row("jpeg", 1, 0.01), row("jpeg", 3, 0.03), row("jpeg", 5, 0.2), row("downscale", 3, 0.02), row("rotate", 5, 0.45)]
    passed = decide("harm.robustness", make_report(SHA, robustness__rows=rows, robustness__max_auc_drop=0.45), profile)
    assert passed.result == "pass"
    assert "worst judged: jpeg severity 3" in passed.evidence and "worst informative (not judged): rotate severity 5" in passed.evidence
    rows[3] = row("downscale", 3, limit + 0.1)
    failed = decide("harm.robustness", make_report(SHA, robustness__rows=rows, robustness__max_auc_drop=0.45), profile)
    assert failed.result == "fail" and "under downscale severity 3" in failed.why
    only_jpeg = decide("harm.robustness", make_report(SHA, robustness__rows=rows[:3]), profile)
    assert only_jpeg.result == "insufficient-evidence" and "downscale" in only_jpeg.why
    # Without bands every row is judged, as before.
    everything = dataclasses.replace(profile, robustness_bands=None)
    rows[3] = row("downscale", 3, 0.02)
    assert decide("harm.robustness", make_report(SHA, robustness__rows=rows), everything).result == "fail"


def test_reasons_stay_whole_at_80_columns():
    why = ("ROC AUC drops by 0.3124 under downscale severity 3, above the limit 0.1; the worst informative row is "
           "rotate severity 5 and it is reported only")
    card = {"criteria": [{"id": "harm.robustness", "kind": "automatic", "required": True, "result": "fail", "why": why},
                         {"id": "fairness.worst_group_recall", "kind": "automatic", "required": True,
                          "result": "insufficient-evidence", "why": "the interval is too wide"}]}
    console = Console(width=80, record=True, color_system=None)
    console.print(criteria_view(card, "ethics: tool 1.0"))
    lines = console.export_text().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert " ".join(line.strip() for line in lines[2:]).startswith(why)


def test_a_profile_naming_an_unknown_transform_is_refused():
    import pytest

    from saferkit.core.errors import UserError
    from saferkit.ethics.profile import default_profile_text, parse_profile

    text = default_profile_text().replace("  jpeg: 3", "  jpg: 3")
    with pytest.raises(UserError, match="robustness_bands: 'jpg' is not a robustness transform"):
        parse_profile(text, "round.yaml")
    assert load_profile().judges_transform("jpeg", 3) and not load_profile().judges_transform("rotate", 1)


def test_pairs_are_quoted_as_informative_when_the_profile_judges_single_attributes():
    gap = {"value": 0.1, "ci_low": 0.05, "ci_high": 0.2, "attribute": "scale", "groups": "small vs large", "rate": "fpr"}
    pairs = {"value": 0.5, "ci_low": 0.42, "ci_high": 0.58, "attribute": "palette x scale", "groups": "c | small vs a | large", "rate": "fpr"}
    report = make_report(SHA, bias__max_equalized_odds_difference=pairs, bias__by_attribute={"max_equalized_odds_difference": gap})
    decision = decide("fairness.equalized_odds", report)
    assert decision.result == "pass"
    assert decision.evidence.startswith("bias.by_attribute.max_equalized_odds_difference = 0.1")
    assert "attributes and pairs (informative, not judged): bias.max_equalized_odds_difference = 0.5" in decision.evidence
    judged_on_pairs = dataclasses.replace(load_profile(), fairness_grouping="attributes-and-pairs")
    assert decide("fairness.equalized_odds", report, judged_on_pairs).result == "fail"
