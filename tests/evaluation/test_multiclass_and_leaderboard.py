"""Multiclass results against scikit-learn, and the leaderboard's ranking and ties."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from sklearn import metrics as skm

from saferkit.core.errors import UserError
from saferkit.evaluation.bootstrap import BootstrapPlan
from saferkit.evaluation.evaluate import EvaluationConfig, evaluate
from saferkit.evaluation.leaderboard import build_leaderboard, write_leaderboard
from saferkit.evaluation.multiclass import multiclass_report, true_classes


def test_multiclass_metrics_match_scikit_learn():
    rng = np.random.default_rng(2)
    classes = rng.integers(0, 4, 800)
    logits = rng.normal(size=(800, 4)) + 1.5 * np.eye(4)[classes]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    report = multiclass_report(classes, probabilities, ["none", "star", "ring", "cross"], BootstrapPlan(100, 0))
    predicted = probabilities.argmax(axis=1)
    assert report["macro_roc_auc"]["value"] == pytest.approx(skm.roc_auc_score(classes, probabilities, multi_class="ovr", average="macro"))
    assert report["macro_f1"]["value"] == pytest.approx(skm.f1_score(classes, predicted, average="macro"))
    assert report["accuracy"]["value"] == pytest.approx(skm.accuracy_score(classes, predicted))
    recalls = skm.recall_score(classes, predicted, average=None)
    for c, row in enumerate(report["per_class"]):
        assert row["recall"]["value"] == pytest.approx(recalls[c])
        assert row["roc_auc"]["value"] == pytest.approx(skm.roc_auc_score(classes == c, probabilities[:, c]))
    assert np.array_equal(report["confusion_matrix"], skm.confusion_matrix(classes, predicted))


def test_categories_missing_from_the_labels_are_an_error():
    with pytest.raises(UserError, match="not among the model's labels"):
        true_classes(np.array(["none", "star", "ring"]), ["none", "star"])


def test_a_multiclass_submission_gets_per_class_and_macro_results(kit, make_submission, make_data, tmp_path):
    weights = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-2.0, 1.0, 1.0]]
    output = {"name": "scores", "kind": "logits", "labels": ["none", "star", "ring"]}
    submission = make_submission(kit.colour_model(weights, [0, 0, 0], kind="logits", outputs=3), task="multiclass-triage", output=output, claims={"macro_roc_auc": 0.5})
    result = evaluate(submission, make_data(), tmp_path / "report", EvaluationConfig(bootstrap_resamples=100, robustness=False, efficiency=False, intersections=False))
    multiclass = result.report["multiclass"]
    assert [row["label"] for row in multiclass["per_class"]] == ["none", "star", "ring"]
    assert multiclass["per_class"][0]["roc_auc"]["value"] == pytest.approx(1.0)
    assert result.report["claims"][0]["metric"] == "macro_roc_auc"
    assert "Per class" in (tmp_path / "report" / "report.md").read_text()




def _variant(base: dict, folder, name: str, auc: tuple[float, float, float]):
    report = copy.deepcopy(base)
    report["submission"]["name"] = name
    report["headline"]["roc_auc"] = {"value": auc[0], "ci_low": auc[1], "ci_high": auc[2]}
    folder.mkdir()
    (folder / "report.json").write_text(json.dumps(report))
    return folder


def test_leaderboard_ranks_and_marks_ties(kit, make_submission, make_data, tmp_path):
    base = evaluate(make_submission(), make_data(), tmp_path / "base", EvaluationConfig(bootstrap_resamples=100, robustness=False, efficiency=False, intersections=False)).report
    paths = [
        _variant(base, tmp_path / "low", "low", (0.70, 0.65, 0.75)),
        _variant(base, tmp_path / "top", "top", (0.95, 0.93, 0.97)),
        _variant(base, tmp_path / "close", "close", (0.94, 0.92, 0.96)),
    ]
    rows = build_leaderboard(paths, "roc_auc")
    assert [r["name"] for r in rows] == ["top", "close", "low"]
    # Overlapping intervals are no test (issue 18): without per-item scores no paired test runs, so no entry joins the leader.
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert [r["with_leader"] for r in rows] == [True, None, None]
    md = write_leaderboard(paths, tmp_path / "board.md", "roc_auc")
    text = (tmp_path / "board.md").read_text()
    assert "not tested" in text and "worst-group recall" in text and len(md) == 3
    write_leaderboard(paths, tmp_path / "board.html", "roc_auc")
    assert "<table>" in (tmp_path / "board.html").read_text()
    with pytest.raises(UserError, match=".html or .md"):
        write_leaderboard(paths, tmp_path / "board.txt")
    with pytest.raises(UserError, match="not in"):
        build_leaderboard(paths, "no_such_metric")
    (tmp_path / "broken.json").write_text("{}")
    with pytest.raises(UserError, match="not a saferkit report"):
        build_leaderboard([tmp_path / "broken.json"])
