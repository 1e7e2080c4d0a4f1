"""The gate on a real evaluation: synthetic data made with --spurious, a colour-shortcut model, `saferkit evaluate`'s report."""

from __future__ import annotations

import hashlib
import json

import pytest
from ethics_cases import good_manifest_overrides, run_cli

from saferkit.ethics.scorecard_file import scorecard_problems
from saferkit.evaluation.submission import load_submission

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """A small spurious data set, the toy 'red' model (it scores colour, not content) and its real report."""
    from toy_submissions import write_toy_submission

    from saferkit.datasets.plan import make_config
    from saferkit.datasets.provenance import provenance_sha256
    from saferkit.datasets.synth import generate
    from saferkit.evaluation.evaluate import EvaluationConfig, evaluate

    root = tmp_path_factory.mktemp("real")
    data = root / "data"
    generate(data, make_config(n=360, seed=3, size=32, spurious=["palette=b:0.9"]), workers=1)
    training = [{"name": "spurious-scenes", "content": "synthetic", "license": "CC0-1.0",
                 "provenance_sha256": provenance_sha256(data)}]
    submission = write_toy_submission(root / "sub", kind="red", **good_manifest_overrides(training_data=training))
    config = EvaluationConfig(bootstrap_resamples=100, min_group_size=10, intersections=False, robustness=False,
                              efficiency=False)
    evaluate(submission, data, root / "report", config)
    return submission, data, root / "report" / "report.json"


def test_a_colour_shortcut_model_fails_on_bias_in_a_real_report(evaluated, tmp_path):
    submission, data, report_path = evaluated
    report = json.loads(report_path.read_text(encoding="utf-8"))
    result = run_cli("ethics", "check", submission, "--report", report_path, "--training-data", data, "--out", tmp_path)
    assert result.returncode == 1, result.stderr
    card = json.loads((tmp_path / "scorecard.json").read_text(encoding="utf-8"))
    assert scorecard_problems(card) == []
    assert card["submission_sha256"] == load_submission(submission).sha256 == report["submission"]["sha256"]
    assert card["report_sha256"] == hashlib.sha256(report_path.read_bytes()).hexdigest()
    rows = {row["id"]: row for row in card["criteria"]}
    gap = report["bias"]["max_equalized_odds_difference"]
    assert rows["fairness.equalized_odds"]["result"] == "fail"
    assert f"= {gap['value']:.4g} (95% CI {gap['ci_low']:.4g}–{gap['ci_high']:.4g})" in rows["fairness.equalized_odds"]["evidence"]
    assert rows["fairness.worst_group_recall"]["result"] == "fail"
    assert "palette" in rows["fairness.worst_group_recall"]["evidence"]
    assert rows["fairness.no_shortcut"]["result"] == "fail"
    # Skipped sections are never a pass, and the training data digest matched the real folder.
    assert rows["harm.robustness"]["result"] == "insufficient-evidence"
    assert rows["data.synthetic_only"]["result"] == "pass"
    assert rows["governance.audit_trail"]["result"] == "pass"
