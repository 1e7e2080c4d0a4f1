"""`saferkit ethics check`: the scorecard files, the fail-closed verdict and the exit codes."""

from __future__ import annotations

import hashlib
import json

import yaml
from ethics_cases import full_review, make_report, run_cli, spurious_report, write_report

from saferkit.ethics import declared_ids
from saferkit.ethics.scorecard_file import scorecard_problems
from saferkit.evaluation.submission import load_submission


def write_review(path, sha, decision="pass"):
    path.write_text(yaml.safe_dump(full_review(sha, decision)), encoding="utf-8")
    return path


def results(out):
    card = json.loads((out / "scorecard.json").read_text(encoding="utf-8"))
    assert scorecard_problems(card) == []
    return card, {row["id"]: row for row in card["criteria"]}


def test_a_complete_submission_qualifies_and_the_scorecard_names_both_hashes(good_case, tmp_path):
    submission, sha, report = good_case
    review = write_review(tmp_path / "review.yaml", sha)
    out = tmp_path / "card"
    result = run_cli("ethics", "check", submission, "--report", report, "--review", review, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "QUALIFIED" in result.stdout
    card, rows = results(out)
    assert card["qualified"] is True
    assert card["submission_sha256"] == load_submission(submission).sha256
    assert card["report_sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()
    assert card["profile"] == "default"
    assert set(card["counts"]) == {"pass", "fail", "insufficient-evidence"}
    assert {row["kind"] for row in rows.values()} == {"automatic", "declared", "reviewer"}
    markdown = (out / "scorecard.md").read_text(encoding="utf-8")
    html = (out / "scorecard.html").read_text(encoding="utf-8")
    assert "**QUALIFIED**" in markdown and card["report_sha256"] in markdown
    assert "<!doctype html>" in html and card["submission_sha256"] in html
    assert "0.97 (95% CI 0.95–0.985)" in html  # evidence quoted with its interval


def test_without_a_review_nothing_qualifies(good_case, tmp_path):
    submission, _, report = good_case
    result = run_cli("ethics", "check", submission, "--report", report, "--out", tmp_path / "card")
    assert result.returncode == 1
    card, rows = results(tmp_path / "card")
    assert card["qualified"] is False
    reviewer_rows = [row for row in rows.values() if row["kind"] == "reviewer"]
    assert reviewer_rows and all(row["result"] == "insufficient-evidence" for row in reviewer_rows)
    assert set(card["blocking"]) == {row["id"] for row in reviewer_rows}


def check_reviewed(submission, report_for, tmp_path):
    """Run the check with a full passing review; return (exit code, scorecard, rows by id)."""
    sha = load_submission(submission).sha256
    report = write_report(tmp_path / "eval", report_for(sha))
    review = write_review(tmp_path / "review.yaml", sha)
    result = run_cli("ethics", "check", submission, "--report", report, "--review", review, "--out", tmp_path / "c")
    return (result.returncode, *results(tmp_path / "c"))


def test_a_spurious_model_fails_on_bias(good_submission, tmp_path):
    code, card, rows = check_reviewed(good_submission, spurious_report, tmp_path)
    assert code == 1
    assert card["qualified"] is False
    for cid in ("fairness.equalized_odds", "fairness.worst_group_recall", "fairness.no_shortcut"):
        assert rows[cid]["result"] == "fail", cid
        assert cid in card["blocking"]
    assert "0.46 (95% CI 0.38–0.53) [attribute lighting]" in rows["fairness.equalized_odds"]["evidence"]
    assert rows["harm.accuracy"]["result"] == "pass"  # good headline numbers do not hide the bias


def test_a_submission_without_answers_fails_on_missing_evidence(toy_submission, tmp_path):
    # the toy manifest answers no ethics questions
    code, card, rows = check_reviewed(toy_submission(), make_report, tmp_path)
    assert code == 1
    assert {cid: rows[cid]["result"] for cid in declared_ids()} == {cid: "insufficient-evidence" for cid in declared_ids()}
    assert set(declared_ids()) <= set(card["blocking"])
    assert rows["autonomy.privacy"]["why"] == "ethics.autonomy.privacy: no answer was given"
    assert [row["id"] for row in rows.values() if row["kind"] == "automatic" and row["result"] != "pass"] == []


def test_a_report_for_another_submission_is_refused(good_case, tmp_path):
    submission, _, report = good_case
    manifest = submission / "submission.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.0.1"), encoding="utf-8")
    out = tmp_path / "card"
    result = run_cli("ethics", "check", submission, "--report", report, "--out", out)
    assert result.returncode == 2
    assert "belongs to another submission or one of them was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def run_in_process(capsys, *args) -> tuple[int, str]:
    """The real CLI entry point, in this process (fast): exit code and stderr."""
    from saferkit.cli import main

    try:
        main([str(arg) for arg in args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


def test_usage_errors_exit_2_without_a_traceback(good_case, tmp_path, capsys):
    submission, sha, report = good_case
    cases = [
        ("ethics", "check", submission, "--report", tmp_path / "missing.json"),
        ("ethics", "check", tmp_path / "no-submission", "--report", report),
        ("ethics", "check", submission),  # --report is required
        ("ethics", "check", submission, "--report", report, "--profile", tmp_path / "none.yaml"),
        ("ethics", "check", submission, "--report", report, "--review", tmp_path / "none.yaml"),
    ]
    not_json = tmp_path / "broken.json"
    not_json.write_text("{not json", encoding="utf-8")
    cases.append(("ethics", "check", submission, "--report", not_json))
    other_review = write_review(tmp_path / "other.yaml", "e" * 64)
    cases.append(("ethics", "check", submission, "--report", report, "--review", other_review))
    for args in cases:
        code, stderr = run_in_process(capsys, *args, "--out", tmp_path / "never")
        assert code == 2, (args, stderr)
        assert "Traceback" not in stderr and "error:" in stderr.lower()
    assert not (tmp_path / "never").exists()


def test_a_profile_changes_the_limits_and_what_is_required(good_case, tmp_path):
    submission, sha, report = good_case
    review = write_review(tmp_path / "review.yaml", sha)
    profile = yaml.safe_load(run_cli("ethics", "profile").stdout)
    profile["name"] = "strict-round"
    profile["limits"]["max_demographic_parity_difference"] = 0.02
    path = tmp_path / "strict.yaml"
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    args = ("ethics", "check", submission, "--report", report, "--review", review, "--profile", path)
    # demographic parity fails the strict limit, but it is not required: still qualified.
    assert run_cli(*args, "--out", tmp_path / "a").returncode == 0
    card, rows = results(tmp_path / "a")
    assert card["profile"] == "strict-round" and rows["fairness.demographic_parity"]["result"] == "fail"
    profile["required_overrides"] = {"fairness.demographic_parity": True}
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    assert run_cli(*args, "--out", tmp_path / "b").returncode == 1
    assert results(tmp_path / "b")[0]["blocking"] == ["fairness.demographic_parity"]


def test_training_data_folders_must_match_the_declared_provenance(good_case, tmp_path, capsys):
    submission, sha, report = good_case
    folder = tmp_path / "scenes"
    folder.mkdir()
    (folder / "provenance.json").write_text(json.dumps({
        "content": "synthetic", "source": "saferkit scene generator", "license": "CC0-1.0", "permitted_by": "tests",
        "attestation": {"no_sexual_or_abuse_material": True, "no_identifiable_children": True}}), encoding="utf-8")
    review = write_review(tmp_path / "review.yaml", sha)
    code, _ = run_in_process(capsys, "ethics", "check", submission, "--report", report, "--review", review,
                             "--training-data", folder, "--out", tmp_path / "c")
    assert code == 1
    card, rows = results(tmp_path / "c")
    assert card["blocking"] == ["data.synthetic_only"]
    assert "matches none of the data folders" in rows["data.synthetic_only"]["why"]
    (tmp_path / "empty").mkdir()
    code, stderr = run_in_process(capsys, "ethics", "check", submission, "--report", report,
                                  "--training-data", tmp_path / "empty", "--out", tmp_path / "d")
    assert code == 2 and "provenance.json" in stderr
