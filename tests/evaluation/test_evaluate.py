"""End-to-end evaluation: numbers against independent computations, the injected bias found, report files, MLflow."""

from __future__ import annotations

import os

import json

import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from sklearn import metrics as skm

from saferkit.datasets import load_dataset
from saferkit.evaluation.evaluate import EvaluationConfig, evaluate
from saferkit.evaluation.report_files import report_problems

SMALL = dict(bootstrap_resamples=200, transforms=("jpeg", "noise"), severities=(1, 3))


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, trained_biased_submission, spurious_data):
    out = tmp_path_factory.mktemp("reports") / "biased"
    result = evaluate(trained_biased_submission, spurious_data, out, EvaluationConfig(**SMALL))
    scores = pd.read_csv(out / "scores.csv")
    frame = load_dataset(spurious_data)
    test = frame[frame["split"] == "test"].merge(scores[["path", "score"]], on="path")
    return result, test


def test_report_follows_its_schema_and_records_provenance(evaluated, spurious_data):
    from saferkit.datasets.provenance import provenance_sha256

    result, _ = evaluated
    report = json.loads((result.out / "report.json").read_text())
    assert report_problems(report) == []
    assert report["data"]["provenance_sha256"] == provenance_sha256(spurious_data)
    assert report["config"]["bootstrap_resamples"] == 200 and report["config"]["seed"] == 0
    assert report["software"]["onnxruntime"] and len(report["submission"]["sha256"]) == 64


def test_headline_matches_scikit_learn_on_the_same_scores(evaluated):
    result, test = evaluated
    y, s = test["flag"].to_numpy(), test["score"].to_numpy()
    headline = result.report["headline"]
    assert headline["roc_auc"]["value"] == pytest.approx(skm.roc_auc_score(y, s), abs=1e-6)
    assert headline["pr_auc"]["value"] == pytest.approx(skm.average_precision_score(y, s), abs=1e-6)
    assert headline["partial_auc_fpr_0.1"]["value"] == pytest.approx(skm.roc_auc_score(y, s, max_fpr=0.1), abs=1e-6)
    op = result.report["operating_point"]
    tn, fp, fn, tp = skm.confusion_matrix(y, s >= op["threshold"]).ravel()
    assert (op["tp"], op["fp"], op["tn"], op["fn"]) == (tp, fp, tn, fn)
    assert result.report["calibration"]["brier"]["value"] == pytest.approx(skm.brier_score_loss(y, s), abs=1e-6)
    for m in list(headline.values()) + [op["recall"]]:
        assert m["ci_low"] <= m["value"] + 1e-9 and m["value"] <= m["ci_high"] + 1e-9


def test_bias_groups_match_fairlearn_metricframe(evaluated):
    result, test = evaluated
    y, flagged = test["flag"].to_numpy(), test["score"].to_numpy() >= result.report["submission"]["threshold"]
    frame = MetricFrame(metrics={"recall": skm.recall_score, "selection_rate": lambda a, b: b.mean()}, y_true=y, y_pred=flagged, sensitive_features=test["palette"])
    for row in result.report["bias"]["attributes"]["palette"]["groups"]:
        if row["estimable"]:
            assert row["recall"]["value"] == pytest.approx(frame.by_group.loc[row["group"], "recall"])
            assert row["selection_rate"]["value"] == pytest.approx(frame.by_group.loc[row["group"], "selection_rate"])


def test_the_bias_of_a_model_trained_with_spurious_palette_is_found(evaluated):
    result, _ = evaluated
    bias = result.report["bias"]
    palette = bias["attributes"]["palette"]
    # The model learned "blue palette means positive": palette b is flagged far more often.
    rates = {row["group"]: row["selection_rate"]["value"] for row in palette["groups"]}
    assert rates["b"] > rates["a"] + 0.3 and rates["b"] > rates["c"] + 0.3
    assert palette["demographic_parity_difference"]["ci_low"] > 0.2
    assert palette["worst_group"] in ("a", "c")
    assert bias["largest_gaps"][0]["attribute"].startswith("palette") or "palette" in bias["largest_gaps"][0]["attribute"]
    # No other single attribute comes close.
    others = [s["demographic_parity_difference"]["value"] or 0 for k, s in bias["attributes"].items() if k != "palette"]
    assert max(others) < palette["demographic_parity_difference"]["value"] / 2
    # The conflicting split reverses the shortcut, so the model does worse there than on the balanced one.
    variants = result.report["variants"]
    assert variants["test_conflicting"]["roc_auc"]["value"] < variants["test_balanced"]["roc_auc"]["value"]


def test_robustness_efficiency_and_claims_sections(evaluated):
    result, _ = evaluated
    robustness = result.report["robustness"]
    assert [(r["transform"], r["severity"]) for r in robustness["rows"]] == [("jpeg", 1), ("jpeg", 3), ("noise", 1), ("noise", 3)]
    for row in robustness["rows"]:
        assert row["auc_drop"] == pytest.approx(robustness["clean_roc_auc"] - row["roc_auc"])
    assert robustness["max_auc_drop"] == pytest.approx(max(r["auc_drop"] for r in robustness["rows"]))
    efficiency = result.report["efficiency"]
    assert efficiency["parameters"] == 8 and efficiency["latency_ms_batch1"] > 0 and efficiency["throughput_batch32"] > 0
    assert efficiency["hardware"]["cores"] == os.cpu_count() and efficiency["hardware"]["cpu"]  # what the timings ran on
    claim = result.report["claims"][0]
    assert claim["metric"] == "roc_auc" and claim["declared"] == 0.99
    assert claim["verdict"] == "not-confirmed" and claim["direction"] == "above"


def test_html_is_self_contained_and_markdown_has_the_headline(evaluated):
    result, _ = evaluated
    page = (result.out / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 5
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert result.report["headline_summary"] in (result.out / "report.md").read_text()


def test_the_evaluation_is_an_mlflow_run(evaluated):
    import mlflow

    result, _ = evaluated
    record = json.loads((result.out / "mlflow.json").read_text())
    run = mlflow.MlflowClient(tracking_uri=record["tracking_uri"]).get_run(record["run_id"])
    assert run.data.metrics["roc_auc"] == pytest.approx(result.report["headline"]["roc_auc"]["value"])
    assert run.data.params["submission_sha256"] == result.report["submission"]["sha256"]
    artifacts = {a.path for a in mlflow.MlflowClient(tracking_uri=record["tracking_uri"]).list_artifacts(record["run_id"])}
    assert {"report.json", "report.html", "report.md"} <= artifacts


def test_same_seed_same_numbers(evaluated, trained_biased_submission, spurious_data, tmp_path):
    result, _ = evaluated
    again = evaluate(trained_biased_submission, spurious_data, tmp_path / "again",
                     EvaluationConfig(**{**SMALL, "robustness": False, "efficiency": False, "intersections": False}))
    assert again.report["headline"] == result.report["headline"]
    assert any(s["section"] == "robustness" for s in again.report["sections_invalid"])


def test_html_reads_title_and_summary_first_then_tables_then_figures(evaluated):
    import html

    result, _ = evaluated
    page = (result.out / "report.html").read_text()
    summary = page.index(html.escape(result.report["headline_summary"]))
    assert page.index("<h1>") < summary < page.index("<table") < page.index("<img")


def test_one_onnxruntime_session_per_provider_for_the_whole_evaluation(evaluated):
    from saferkit.evaluation.runner import CUDA, available_providers

    result, _ = evaluated  # the check's smoke run, scoring, variants, robustness and efficiency timing share them
    assert result.sessions_opened == (2 if CUDA in available_providers() else 1)
