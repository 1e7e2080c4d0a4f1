"""The board: one data set, rows that name what was judged, baselines, qualified state, grouping by paired test."""

from __future__ import annotations

import json

import pytest

from saferkit.evaluation.evaluate import EvaluationConfig, evaluate
from saferkit.evaluation.leaderboard import build_board, header, render
from saferkit.evaluation.report import read_report

QUICK = EvaluationConfig(bootstrap_resamples=200, robustness=False, efficiency=False, intersections=False, workers=1)


@pytest.fixture(scope="module")
def reports(tmp_path_factory, rk, test_data):
    root = tmp_path_factory.mktemp("board")
    out = {}
    # "twin" has the same team, name and version as "blue" but other weights: two different builds.
    for key, weights, name in (("blue", "blue", "colour"), ("twin", "green", "colour"), ("tilt", "blue-tilt", "tilted"), ("base", "green", "kit-baseline")):
        sub = rk.write_submission(root / f"sub-{key}", rk.WEIGHTS[weights], name=name, team="team-a" if key != "base" else "organisers")
        out[key] = evaluate(sub, test_data, root / f"rep-{key}", QUICK).out
    other = rk.square_data(root / "other-data", n=80, seed=4)
    out["other"] = evaluate(root / "sub-blue", other, root / "rep-other", QUICK).out
    return out


@pytest.mark.slow
def test_board_groups_by_paired_test_names_builds_and_sets_apart_other_data(reports):
    import csv

    from saferkit.evaluation.paired import paired_difference

    def scores(folder):
        with open(folder / "scores.csv") as handle:
            rows = sorted(csv.DictReader(handle), key=lambda r: r["path"])
        return [int(r["flag"]) for r in rows], [float(r["score"]) for r in rows]

    board = build_board([reports["blue"], reports["twin"], reports["tilt"], reports["other"]], "roc_auc", baselines={"kit baseline": reports["base"]})
    names = [(r["name"], r["baseline"]) for r in board.rows]
    assert names[0] == ("colour", None) and len(board.rows) == 4
    assert [item["report"] for item in board.set_apart] == [str(reports["other"])]
    assert "another data set" in board.set_apart[0]["reason"]
    # The two `team-a / colour 1.0.0` builds are separate rows with different digests.
    twins = [r for r in board.rows if r["name"] == "colour"]
    assert len(twins) == 2 and twins[0]["sha256"] != twins[1]["sha256"]
    # Grouping agrees with an independent paired comparison on the report's own scores.
    data = read_report(reports["blue"]).data
    assert board.data_provenance_sha256 == data["data"]["provenance_sha256"]
    split_dir = reports["blue"]
    for row in board.rows[1:]:
        labels, a = scores(split_dir)
        _, b = scores(next(p for p in reports.values() if str(p) == row["report"]))
        expected = paired_difference(labels, a, b, plan=board.plan)
        assert row["vs_leader"]["difference"] == pytest.approx(expected.difference, abs=1e-12)
        assert row["with_leader"] == (not expected.distinguishable)
        assert row["rank"] == (1 if row["with_leader"] else board.rows.index(row) + 1)
    by_name = {r["baseline"] or r["name"]: r for r in board.rows}
    assert by_name["tilted"]["with_leader"] is True and by_name["tilted"]["rank"] == 1
    assert by_name["kit baseline"]["with_leader"] is False and by_name["kit baseline"]["team"] == "organisers"
    text = render(board, "md")
    assert "baseline: kit baseline" in text and "Set apart:" in text and "DeLong p" in text


@pytest.mark.slow
def test_metric_column_is_never_duplicated_and_qualified_ranks(reports, tmp_path, run_cli):
    assert header("worst_group_recall").count("worst-group recall") == 0
    assert header("worst_group_recall").count("worst_group_recall") == 1
    report = read_report(reports["tilt"])
    card = {"schema_version": 1, "qualified": True, "submission_sha256": report.submission_sha256, "report_sha256": report.sha256,
            "profile": "default", "criteria": [], "counts": {}}
    (reports["tilt"] / "scorecard.json").write_text(json.dumps(card))
    try:
        board = build_board([reports["blue"], reports["tilt"]], "qualified")
        assert [r["name"] for r in board.rows] == ["tilted", "colour"]
        assert board.rows[0]["qualified"] == {"state": "qualified", "profile": "default"}
        assert board.rows[1]["qualified"]["state"] == "not checked"
        done = run_cli("leaderboard", str(reports["blue"]), str(reports["tilt"]), "--metric", "qualified", "--out", str(tmp_path / "b.md"))
        assert done.returncode == 0, done.stderr
        assert "qualified (default)" in (tmp_path / "b.md").read_text()
    finally:
        (reports["tilt"] / "scorecard.json").unlink()
