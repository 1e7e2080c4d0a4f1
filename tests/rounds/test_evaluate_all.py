"""`saferkit evaluate-all`: one decode, one set of resamples, the same numbers as one-by-one comparison."""

from __future__ import annotations

import json

import pytest
from sklearn.metrics import roc_auc_score

from saferkit.evaluation.bootstrap import BootstrapPlan
from saferkit.evaluation.compare import SharedSplit, scored
from saferkit.evaluation.paired import PairedBootstrap


def test_evaluate_all_matches_pairwise_comparisons_and_lists_refusals(tmp_path, rk, test_data, run_cli):
    subs = {key: rk.write_submission(tmp_path / key, rk.WEIGHTS[key], name=key) for key in ("blue", "blue-tilt", "green")}
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "submission.yaml").write_text("name: broken\n")
    done = run_cli("evaluate-all", str(subs["green"]), str(subs["blue-tilt"]), str(broken), "--data", str(test_data),
                   "--out", str(tmp_path / "all"), "--resamples", "300", "--baseline", f"kit={subs['blue']}")
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "all" / "results.json").read_text())
    assert [r["source"] for r in result["refused"]] == [str(broken)]
    names = [r["baseline"] or r["name"] for r in result["entries"]]
    assert set(names) == {"kit", "blue-tilt", "green"} and names[-1] == "green"
    split = SharedSplit.load(test_data)
    shared = PairedBootstrap(split.labels, BootstrapPlan(300, 0))
    scores = {key: scored(path, split).scores for key, path in subs.items()}
    leader = "blue" if result["entries"][0]["baseline"] == "kit" else result["entries"][0]["name"]
    for row in result["entries"]:
        key = "blue" if row["baseline"] == "kit" else row["name"]
        assert row["headline"]["roc_auc"]["value"] == pytest.approx(roc_auc_score(split.labels, scores[key]), abs=1e-12)
        value, samples = shared.samples(scores[key], "roc_auc")
        assert row["headline"]["roc_auc"]["ci_low"] == pytest.approx(float(sorted(samples)[7]), abs=0.02)
        if key != leader:
            expected = shared.compare(scores[leader], scores[key], "roc_auc")
            assert row["vs_leader"]["difference"] == pytest.approx(expected.difference, abs=1e-12)
            assert (row["vs_leader"]["ci_low"], row["vs_leader"]["ci_high"]) == pytest.approx((expected.ci_low, expected.ci_high), abs=1e-12)
            assert row["rank"] == (1 if not expected.distinguishable else result["entries"].index(row) + 1)
    assert next(r for r in result["entries"] if r["name"] == "green")["rank"] == 3
    assert "baseline: kit" in (tmp_path / "all" / "board.md").read_text()
