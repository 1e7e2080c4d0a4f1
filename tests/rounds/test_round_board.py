"""A round's board: each team's best submission with its count, named baselines, the leader group, and a
'qualified' column that holds only for a scorecard whose signature chain the hub's registry vouches for."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json

import pytest
from sklearn.metrics import roc_auc_score

from saferkit.core.keys import generate_keypair
from saferkit.ethics.attestation import attest_scorecard
from saferkit.ethics.profile import default_profile_text
from saferkit.evaluation.leaderboard import render
from saferkit.evaluation.report import read_report
from saferkit.hub_plugin.registry import RegistryFile, evaluator_record, profile_record
from saferkit.rounds.host import EvaluationSettings, RoundHost, zip_submission
from saferkit.rounds.qualify import chain_qualifier


def auc(report_dir):
    with open(report_dir / "scores.csv") as handle:
        rows = list(csv.DictReader(handle))
    return roc_auc_score([int(r["flag"]) for r in rows], [float(r["score"]) for r in rows])


def scorecard(report_dir, qualified=True):
    """A scorecard of the contract's shape for exactly this report (as `saferkit ethics check` would bind it)."""
    report = read_report(report_dir)
    result = "pass" if qualified else "fail"
    criteria = [{"id": "data.synthetic_only", "title": "Synthetic data only", "principle": "lawfulness", "kind": "automatic",
                 "required": True, "result": result, "evidence": "", "why": ""}]
    card = {"schema_version": 1, "qualified": qualified, "submission_sha256": report.submission_sha256,
            "report_sha256": hashlib.sha256(report.raw).hexdigest(), "profile": "default", "criteria": criteria,
            "counts": {"pass": int(qualified), "fail": int(not qualified), "insufficient-evidence": 0},
            "blocking": [] if qualified else ["data.synthetic_only"]}
    path = report_dir / "scorecard.json"
    path.write_text(json.dumps(card, indent=1))
    return path


@pytest.fixture(scope="module")
def hosted(tmp_path_factory, rk):
    root = tmp_path_factory.mktemp("round-board")
    baseline = root / "organiser" / "kit-baseline.zip"
    baseline.parent.mkdir()
    baseline.write_bytes(zip_submission(rk.write_submission(root / "base", rk.WEIGHTS["green"], name="kit-baseline", team="organisers")))
    host = RoundHost.create(rk.round_yaml(root / "organiser", baseline=baseline), root / "host", clock=lambda: dt.date(2027, 1, 12),
                            workers=1, settings=EvaluationSettings(intersections=False))
    sent = {}
    for key, weights, team in (("a1", "green", "team-a"), ("a2", "blue", "team-a"), ("a3", "red", "team-a"), ("c1", "blue-tilt", "team-c")):
        blob = zip_submission(rk.write_submission(root / key, rk.WEIGHTS[weights], name=key, team=team))
        sent[key] = host.submit(team, blob).sha256
    assert host.work() == 6  # four team jobs and the baseline in both phases
    evaluator, evaluator_pub = generate_keypair(root / "evaluator.pem")
    stranger, _ = generate_keypair(root / "stranger.pem")
    (root / "default.yaml").write_text(default_profile_text(), encoding="utf-8")
    registry_file = RegistryFile(root / "registry.json")
    registry_file.accredit_evaluator(evaluator_record(evaluator_pub.read_bytes(), "Test Evaluation Lab", None))
    registry_file.accredit_profile(profile_record(root / "default.yaml", "1"))
    report = {key: host.report_dir("development", sha) for key, sha in sent.items()}
    # Team-a's best by an independent computation (scikit-learn's AUC on each report's own scores).
    best = max(("a1", "a2", "a3"), key=lambda key: auc(report[key]))
    worse = next(key for key in ("a1", "a2", "a3") if key != best)
    # team-a's best: qualified, signed by the accredited evaluator. c1: signed by a key nobody accredited.
    # Another of team-a's: says qualified, unsigned. The baseline: a scorecard signed, then edited to say qualified.
    attest_scorecard(scorecard(report[best]), report[best] / "report.json", profile_path=None, review_path=None, private_key=evaluator)
    attest_scorecard(scorecard(report["c1"]), report["c1"] / "report.json", profile_path=None, review_path=None, private_key=stranger)
    scorecard(report[worse])
    report["best"], report["worse"] = report[best], report[worse]
    base_dir = next(p for p in (host.folder / "reports" / "development").iterdir() if p not in report.values())
    card = scorecard(base_dir, qualified=False)
    attest_scorecard(card, base_dir / "report.json", profile_path=None, review_path=None, private_key=evaluator)
    scorecard(base_dir, qualified=True)
    return host, registry_file.load(), sent, report


@pytest.mark.slow
def test_board_keeps_each_teams_best_with_its_count_and_the_baseline(hosted):
    host, registry, sent, report = hosted
    board = host.board("development", registry=registry)
    rows = {r["baseline"] or r["team"]: r for r in board.rows}
    assert set(rows) == {"team-a", "team-c", "kit baseline"} and len(board.rows) == 3
    best = read_report(report["best"])
    assert rows["team-a"]["sha256"] == best.submission_sha256 and rows["team-a"]["metric"]["value"] == pytest.approx(auc(report["best"]))
    assert rows["team-a"]["submissions"] == 3 and rows["team-c"]["submissions"] == 1
    assert f"team-a / {best.data['submission']['name']} 1.0.0 (best of 3)" in render(board, "md")
    # Rows in order of the metric; the leader group is the paired test's, on the rows kept.
    values = [r["metric"]["value"] for r in board.rows]
    assert values == sorted(values, reverse=True) and board.rows[0]["rank"] == 1
    for row in board.rows[1:]:
        assert row["with_leader"] == (not row["vs_leader"]["distinguishable"])
        assert row["rank"] == (1 if row["with_leader"] else board.rows.index(row) + 1)


@pytest.mark.slow
def test_qualified_only_through_the_accredited_chain_and_the_rounds_profile(hosted):
    host, registry, sent, report = hosted
    rows = {r["baseline"] or r["team"]: r["qualified"] for r in host.board("development", registry=registry).rows}
    assert rows["team-a"] == {"state": "qualified", "profile": "default", "evaluator": "Test Evaluation Lab"}
    assert rows["team-c"]["state"] == "not qualified" and rows["team-c"]["check"] == "evaluator-not-accredited"
    assert rows["kit baseline"]["state"] == "not qualified" and rows["kit baseline"]["check"] == "scorecard-edited"
    assert "not qualified: (scorecard-edited)" in render(host.board("development", registry=registry), "md")
    # Without the hub's registry nothing counts as qualified, and the row says why.
    plain = {r["baseline"] or r["team"]: r["qualified"] for r in host.board("development").rows}
    assert plain["team-a"]["state"] == "not checked" and "registry" in plain["team-a"]["why"]
    # The unsigned scorecard (a1) is refused by the chain; a round asking for another profile version refuses a2.
    qualify = chain_qualifier(host.submission_of, registry, {"name": "default", "version": "1"})
    unsigned = qualify(report["worse"], read_report(report["worse"]))
    assert unsigned["state"] == "not qualified" and unsigned["check"] == "evaluator-signature"
    other_round = chain_qualifier(host.submission_of, registry, {"name": "default", "version": "2"})
    refused = other_round(report["best"], read_report(report["best"]))
    assert refused["state"] == "not qualified" and refused["check"] == "round-profile" and "version 2" in refused["why"]


@pytest.mark.slow
def test_round_board_command_checks_the_chain_with_the_registry_file(hosted, run_cli, tmp_path):
    host, _, _, _ = hosted
    registry_path = host.folder.parent / "registry.json"
    done = run_cli("round", "board", str(host.folder), "--phase", "development", "--out", str(tmp_path / "b.md"), "--registry", str(registry_path))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "b.md").read_text()
    assert "| qualified (default) |" in text and "not qualified: (evaluator-not-accredited)" in text and "(best of 3)" in text
