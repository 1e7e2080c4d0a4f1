"""Bias numbers against fairlearn / scikit-learn computed independently on the same predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn import metrics as skm

from saferkit.evaluation.bias import TOO_FEW, BiasConfig, bias_report
from saferkit.evaluation.bootstrap import BootstrapPlan


@pytest.fixture(scope="module")
def predictions():
    rng = np.random.default_rng(0)
    n = 1500
    frame = pd.DataFrame({"palette": rng.choice(["a", "b", "c"], n), "lighting": rng.choice(["dark", "normal"], n)})
    labels = (rng.random(n) < 0.4).astype(int)
    # Palette "c" is scored lower: a bias the report must show.
    shift = np.where(frame["palette"] == "c", -0.25, 0.0)
    scores = np.clip(rng.normal(0.3 + 0.4 * labels + shift, 0.15), 0, 1)
    # One tiny group that must be reported as too few to estimate.
    frame.loc[:9, "lighting"] = "bright"
    report = bias_report(frame, labels, scores, 0.5, ("palette", "lighting", "device"), BootstrapPlan(200, 1), BiasConfig(min_group_size=30))
    return frame, labels, scores, report


def test_group_values_match_scikit_learn_per_group(predictions):
    frame, labels, scores, report = predictions
    for row in report["attributes"]["palette"]["groups"]:
        inside = (frame["palette"] == row["group"]).to_numpy()
        y, s = labels[inside], scores[inside]
        assert row["n"] == inside.sum() and row["positives"] == y.sum()
        assert row["recall"]["value"] == pytest.approx(skm.recall_score(y, s >= 0.5))
        assert row["fpr"]["value"] == pytest.approx(((s >= 0.5) & (y == 0)).sum() / (y == 0).sum())
        assert row["selection_rate"]["value"] == pytest.approx((s >= 0.5).mean())
        assert row["roc_auc"]["value"] == pytest.approx(skm.roc_auc_score(y, s))
        assert row["recall"]["ci_low"] <= row["recall"]["value"] <= row["recall"]["ci_high"]


def test_gaps_match_fairlearn(predictions):
    frame, labels, scores, report = predictions
    section = report["attributes"]["palette"]
    flagged = scores >= 0.5
    assert section["equalized_odds_difference"]["value"] == pytest.approx(equalized_odds_difference(labels, flagged, sensitive_features=frame["palette"]))
    assert section["demographic_parity_difference"]["value"] == pytest.approx(demographic_parity_difference(labels, flagged, sensitive_features=frame["palette"]))
    low, high = section["equalized_odds_difference"]["ci_low"], section["equalized_odds_difference"]["ci_high"]
    assert low <= section["equalized_odds_difference"]["value"] <= high


def test_the_injected_bias_is_found(predictions):
    _, _, _, report = predictions
    palette = report["attributes"]["palette"]
    assert palette["worst_group"] == "c"
    assert report["worst_group_recall"]["attribute"].startswith("palette") or "palette" in report["worst_group_recall"]["attribute"]
    # The gap's interval excludes zero: the bias is real, not noise.
    assert palette["equalized_odds_difference"]["ci_low"] > 0.2
    assert report["largest_gaps"][0]["attribute"] in ("palette", "palette x lighting")


def test_small_groups_are_too_few_to_estimate_and_left_out_of_gaps(predictions):
    frame, labels, scores, report = predictions
    rows = {row["group"]: row for row in report["attributes"]["lighting"]["groups"]}
    tiny = rows["bright"]
    assert tiny["n"] == 10 and tiny["estimable"] is False
    for name in ("recall", "fpr", "selection_rate", "roc_auc"):
        assert tiny[name]["value"] is None and tiny[name]["note"] == TOO_FEW
    big = frame["lighting"] != "bright"
    expected = equalized_odds_difference(labels[big], scores[big] >= 0.5, sensitive_features=frame["lighting"][big])
    assert report["attributes"]["lighting"]["equalized_odds_difference"]["value"] == pytest.approx(expected)


def test_pairs_of_attributes_are_reported(predictions):
    frame, labels, scores, report = predictions
    pair = report["intersections"]["palette x lighting"]
    names = {row["group"] for row in pair["groups"]}
    assert "c | dark" in names
    row = next(r for r in pair["groups"] if r["group"] == "c | dark")
    inside = ((frame["palette"] == "c") & (frame["lighting"] == "dark")).to_numpy()
    assert row["recall"]["value"] == pytest.approx(skm.recall_score(labels[inside], scores[inside] >= 0.5))


def test_no_attributes_means_no_bias_numbers():
    frame = pd.DataFrame({"other": ["x"] * 50})
    labels = np.array([0, 1] * 25)
    report = bias_report(frame, labels, labels * 0.9, 0.5, ("palette",), BootstrapPlan(20, 0))
    assert report["attributes"] == {} and report["worst_group_recall"]["value"] is None
    assert "no subgroup attributes" in report["note"]
