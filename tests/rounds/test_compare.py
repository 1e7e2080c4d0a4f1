"""`saferkit compare`: the paired difference and DeLong's test, checked against computations written out plainly here."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from saferkit.core.errors import UserError
from saferkit.evaluation.bootstrap import BootstrapPlan
from saferkit.evaluation.compare import SharedSplit, compare, scored
from saferkit.evaluation.paired import delong_test, paired_difference


def kernel_delong(labels, a, b):
    """DeLong's variance from the Mann-Whitney kernel psi(x, y) = 1, 1/2, 0 for x >, =, < y, as in the 1988 paper."""
    labels = np.asarray(labels)
    components = []
    for scores in (a, b):
        x, y = scores[labels == 1], scores[labels == 0]
        psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
        components.append((psi.mean(), psi.mean(axis=1), psi.mean(axis=0)))
    (auc_a, v10_a, v01_a), (auc_b, v10_b, v01_b) = components
    m, n = len(v10_a), len(v01_a)

    def cov(u, v):
        return float(np.sum((u - u.mean()) * (v - v.mean())) / (len(u) - 1))

    variance = (cov(v10_a, v10_a) + cov(v10_b, v10_b) - 2 * cov(v10_a, v10_b)) / m + (cov(v01_a, v01_a) + cov(v01_b, v01_b) - 2 * cov(v01_a, v01_b)) / n
    z = (auc_a - auc_b) / math.sqrt(variance)
    return auc_a, auc_b, variance, z, math.erfc(abs(z) / math.sqrt(2))


@pytest.fixture(scope="module")
def scored_models(tmp_path_factory, rk, test_data):
    folder = tmp_path_factory.mktemp("subs")
    split = SharedSplit.load(test_data)
    paths = {name: rk.write_submission(folder / name, weights, name=name) for name, weights in rk.WEIGHTS.items()}
    return split, paths, {name: scored(path, split).scores for name, path in paths.items()}


def test_delong_matches_the_explicit_kernel_and_sklearn(scored_models):
    split, _, scores = scored_models
    for a, b in (("blue", "green"), ("green", "red"), ("blue", "red")):
        ours = delong_test(split.labels, scores[a], scores[b])
        auc_a, auc_b, variance, z, p = kernel_delong(split.labels, scores[a], scores[b])
        assert ours.auc_a == pytest.approx(roc_auc_score(split.labels, scores[a]), abs=1e-12)
        assert ours.auc_b == pytest.approx(roc_auc_score(split.labels, scores[b]), abs=1e-12)
        assert (ours.auc_a, ours.auc_b) == pytest.approx((auc_a, auc_b), abs=1e-12)
        assert ours.variance == pytest.approx(variance, rel=1e-9)
        assert ours.z == pytest.approx(z, rel=1e-9)
        assert ours.p_value == pytest.approx(p, rel=1e-6, abs=1e-300)


def test_delong_handles_tied_scores_like_the_kernel():
    rng = np.random.default_rng(5)
    labels = np.r_[np.ones(40), np.zeros(50)].astype(int)
    a = np.round(rng.normal(labels * 0.8, 1.0), 1)  # rounding makes many ties
    b = np.round(rng.normal(labels * 0.3, 1.0), 1)
    ours = delong_test(labels, a, b)
    assert ours.variance == pytest.approx(kernel_delong(labels, a, b)[2], rel=1e-9)


def test_paired_interval_agrees_with_a_plain_bootstrap_loop_and_with_delong(scored_models):
    split, _, scores = scored_models
    labels = split.labels
    result = paired_difference(labels, scores["blue"], scores["green"], plan=BootstrapPlan(1000, 0))
    assert result.difference == pytest.approx(roc_auc_score(labels, scores["blue"]) - roc_auc_score(labels, scores["green"]), abs=1e-12)
    # An independent, plain loop: stratified resampling of item indices, sklearn on every resample.
    rng = np.random.default_rng(123)
    pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    diffs = []
    for _ in range(1000):
        idx = np.r_[rng.choice(pos, len(pos)), rng.choice(neg, len(neg))]
        diffs.append(roc_auc_score(labels[idx], scores["blue"][idx]) - roc_auc_score(labels[idx], scores["green"][idx]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    assert result.ci_low == pytest.approx(low, abs=0.015) and result.ci_high == pytest.approx(high, abs=0.015)
    # Both agree with DeLong's normal approximation on the spread.
    assert (result.ci_high - result.ci_low) / (2 * 1.96) == pytest.approx(math.sqrt(result.delong.variance), rel=0.15)
    assert result.distinguishable and result.ci_low > 0.1


def test_the_same_ranking_is_never_distinguishable(scored_models):
    split, _, scores = scored_models
    result = paired_difference(split.labels, scores["blue"], scores["blue-half"])
    assert result.difference == pytest.approx(0.0, abs=1e-12)
    assert not result.distinguishable and result.delong.p_value == 1.0


@pytest.mark.slow
def test_cli_compares_a_report_with_a_submission_as_json(scored_models, test_data, tmp_path, run_cli):
    from saferkit.evaluation.evaluate import EvaluationConfig, evaluate

    split, paths, scores = scored_models
    evaluate(paths["green"], test_data, tmp_path / "green-report", EvaluationConfig(bootstrap_resamples=200, robustness=False, efficiency=False, workers=1))
    done = run_cli("compare", str(paths["blue"]), str(tmp_path / "green-report"), "--data", str(test_data), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    expected = paired_difference(split.labels, scores["blue"], scores["green"])
    assert result["a"]["name"] == "blue" and result["b"]["name"] == "green"
    assert result["comparison"]["difference"] == pytest.approx(expected.difference, abs=1e-4)  # scores.csv keeps 6 decimals
    assert result["comparison"]["delong"]["p_value"] < 1e-6
    text = run_cli("compare", str(paths["blue"]), str(paths["blue-half"]), "--data", str(test_data))
    assert text.returncode == 0 and "not distinguishable" in text.stdout


def test_reports_from_another_data_set_or_without_scores_are_refused(scored_models, rk, tmp_path):
    from saferkit.evaluation.evaluate import EvaluationConfig, evaluate

    _, paths, _ = scored_models
    other = rk.square_data(tmp_path / "other", n=60, seed=9)
    evaluate(paths["green"], other, tmp_path / "r", EvaluationConfig(bootstrap_resamples=100, robustness=False, efficiency=False, workers=1))
    with pytest.raises(UserError, match="another data set"):
        compare(paths["blue"], tmp_path / "r", scored_models[0].data_dir)
    (tmp_path / "r" / "scores.csv").unlink()
    with pytest.raises(UserError, match="no scores.csv"):
        compare(paths["blue"], tmp_path / "r", other)
    with pytest.raises(UserError, match="ranking metrics"):
        compare(paths["blue"], paths["green"], other, metric="brier")
