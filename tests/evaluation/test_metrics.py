"""The vectorised metrics against independent scikit-learn / fairlearn computations on the same predictions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from saferkit.evaluation import ranking
from saferkit.evaluation.bootstrap import BootstrapPlan, collect, resample_counts
from saferkit.evaluation.calibration import calibration_metrics
from saferkit.evaluation.operating_point import confusion, rates


def _predictions(seed: int, n: int = 600, ties: bool = False):
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.3).astype(int)
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.2), 0, 1)
    if ties:
        scores = np.round(scores, 1)
    return labels, scores


def _plain(labels, scores, k=50):
    counts = ranking.cumulative_counts(ranking.RankedItems.build(labels, scores))
    return {name: float(values[0]) for name, values in ranking.headline_metrics(counts, k).items()}


def _reference(labels, scores, k=50):
    """Each headline metric computed with scikit-learn's curves and plain numpy."""
    fpr, tpr, thresholds = skm.roc_curve(labels, scores, drop_intermediate=False)
    order = np.argsort(-scores, kind="stable")
    top = labels[order][:k].mean()
    first = np.argmax(tpr >= 0.95)
    reviewed = (scores >= thresholds[first]).mean()
    return {
        "roc_auc": skm.roc_auc_score(labels, scores),
        "pr_auc": skm.average_precision_score(labels, scores),
        "partial_auc_fpr_0.1": skm.roc_auc_score(labels, scores, max_fpr=0.1),
        "recall_at_fpr_0.01": tpr[fpr <= 0.01].max(),
        "recall_at_fpr_0.001": tpr[fpr <= 0.001].max(),
        "fpr_at_recall_0.95": fpr[tpr >= 0.95].min(),
        "wss_at_recall_0.95": (1 - reviewed) - 0.05,
        "precision_at_k": top,
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_headline_metrics_match_scikit_learn(seed):
    labels, scores = _predictions(seed)
    ours, reference = _plain(labels, scores), _reference(labels, scores)
    for name in ranking.HEADLINE_METRICS:
        assert ours[name] == pytest.approx(reference[name], abs=1e-9), name


def test_ranking_metrics_with_tied_scores_match_scikit_learn():
    labels, scores = _predictions(5, ties=True)
    ours = _plain(labels, scores, k=len(labels))
    assert ours["roc_auc"] == pytest.approx(skm.roc_auc_score(labels, scores))
    assert ours["pr_auc"] == pytest.approx(skm.average_precision_score(labels, scores))
    assert ours["partial_auc_fpr_0.1"] == pytest.approx(skm.roc_auc_score(labels, scores, max_fpr=0.1))
    assert ours["precision_at_k"] == pytest.approx(labels.mean())


def test_resample_weights_equal_metrics_on_the_resampled_items():
    """A count vector gives the same metric as scikit-learn on the items drawn that often."""
    labels, scores = _predictions(3, n=300)
    plan = BootstrapPlan(resamples=7, seed=11)
    counts = next(resample_counts(labels, plan))
    weighted = ranking.cumulative_counts(ranking.RankedItems.build(labels, scores), counts)
    aucs, aps = ranking.roc_auc(weighted), ranking.average_precision(weighted)
    briers = calibration_metrics(labels, scores, counts)["brier"]
    for row in range(counts.shape[0]):
        index = np.repeat(np.arange(len(labels)), counts[row].astype(int))
        assert aucs[row] == pytest.approx(skm.roc_auc_score(labels[index], scores[index]))
        assert aps[row] == pytest.approx(skm.average_precision_score(labels[index], scores[index]))
        assert briers[row] == pytest.approx(skm.brier_score_loss(labels[index], scores[index]))


def test_bootstrap_is_stratified_and_seeded():
    labels, _ = _predictions(4, n=200)
    plan = BootstrapPlan(resamples=120, seed=3)
    first = np.vstack(list(resample_counts(labels, plan)))
    again = np.vstack(list(resample_counts(labels, plan)))
    other = np.vstack(list(resample_counts(labels, BootstrapPlan(resamples=120, seed=4))))
    assert first.shape == (120, 200)
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert np.all(first[:, labels == 1].sum(axis=1) == labels.sum())
    assert np.all(first[:, labels == 0].sum(axis=1) == (1 - labels).sum())


def test_interval_contains_the_estimate_and_narrows_with_more_data():
    from saferkit.evaluation.bootstrap import interval

    widths = []
    for n in (200, 3000):
        labels, scores = _predictions(8, n=n)
        ranked = ranking.RankedItems.build(labels, scores)
        samples = collect(labels, BootstrapPlan(300, 1), lambda w: {"auc": ranking.roc_auc(ranking.cumulative_counts(ranked, w))})["auc"]  # noqa: B023 (used at once)
        low, high = interval(samples)
        assert low <= skm.roc_auc_score(labels, scores) <= high
        widths.append(high - low)
    assert widths[1] < widths[0] / 2


def test_calibration_matches_independent_computation():
    labels, scores = _predictions(6)
    ours = calibration_metrics(labels, scores)
    assert ours["brier"][0] == pytest.approx(skm.brier_score_loss(labels, scores))
    bins = np.minimum((scores * 10).astype(int), 9)
    ece = sum(abs(labels[bins == b].mean() - scores[bins == b].mean()) * (bins == b).mean() for b in np.unique(bins))
    assert ours["ece"][0] == pytest.approx(ece)


def test_operating_point_matches_confusion_matrix():
    labels, scores = _predictions(7)
    cells = confusion(labels, scores, 0.5)
    tn, fp, fn, tp = skm.confusion_matrix(labels, scores >= 0.5).ravel()
    assert (cells["tp"][0], cells["fp"][0], cells["tn"][0], cells["fn"][0]) == (tp, fp, tn, fn)
    r = rates(cells)
    assert r["precision"][0] == pytest.approx(skm.precision_score(labels, scores >= 0.5))
    assert r["recall"][0] == pytest.approx(skm.recall_score(labels, scores >= 0.5))
    assert r["specificity"][0] == pytest.approx(tn / (tn + fp))
