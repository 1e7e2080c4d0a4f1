"""Reviewer criteria: an evaluator's decision with name, date and reasoning, bound to one submission."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from ethics_cases import full_review, run_cli

from saferkit.core.errors import UserError
from saferkit.ethics.checklist import criteria_by_id, load_criteria
from saferkit.ethics.review import decide_reviewer, load_review, parse_review, resumable_review
from saferkit.evaluation.submission import load_submission

SHA = "c0ffee" + "0123456789abcdef" * 3 + "89abcdef01"
REVIEWER_IDS = [c.id for c in load_criteria() if c.kind == "reviewer"]


def review_with(**entry_changes):
    document = full_review(SHA)
    document["reviews"]["hub.impartiality"].update(entry_changes)
    return parse_review(yaml.safe_dump(document), "review.yaml")


def decide(review, today=dt.date(2026, 2, 1)):
    return decide_reviewer(criteria_by_id()["hub.impartiality"], review, today)


def test_recorded_pass_fail_and_abstain():
    decision = decide(review_with())
    assert decision.result == "pass"
    assert decision.evidence.startswith("pass by Ada Evaluator on 2026-01-15")
    assert decide(review_with(decision="fail")).result == "fail"
    abstained = decide(review_with(decision="abstain", reasoning="I advised this team during the event, so I decline."))
    assert abstained.result == "insufficient-evidence" and "abstained" in abstained.why


def test_no_review_or_no_entry_is_insufficient():
    assert decide(None).result == "insufficient-evidence"
    document = full_review(SHA)
    del document["reviews"]["hub.impartiality"]
    decision = decide(parse_review(yaml.safe_dump(document), "review.yaml"))
    assert decision.result == "insufficient-evidence" and "no decision" in decision.why


def test_placeholder_reasoning_or_a_future_date_is_insufficient():
    assert decide(review_with(reasoning="ok")).result == "insufficient-evidence"
    assert decide(review_with(reasoning="TODO write the reasoning later on")).result == "insufficient-evidence"
    assert "future" in decide(review_with(date="2026-03-01")).why


def test_invalid_review_files_are_refused():
    document = full_review(SHA)
    document["reviews"]["harm.accuracy"] = document["reviews"]["hub.impartiality"]
    with pytest.raises(UserError, match="not a reviewer criterion"):
        parse_review(yaml.safe_dump(document), "review.yaml")
    document = full_review(SHA)
    document["reviews"]["hub.impartiality"]["decision"] = "maybe"
    with pytest.raises(UserError, match="maybe"):
        parse_review(yaml.safe_dump(document), "review.yaml")
    document = full_review(SHA)
    document["reviews"]["hub.impartiality"]["date"] = "2026-02-30"
    with pytest.raises(UserError, match="not a real date"):
        parse_review(yaml.safe_dump(document), "review.yaml")


def test_a_review_of_another_submission_is_refused(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text(yaml.safe_dump(full_review(SHA)), encoding="utf-8")
    assert load_review(path, SHA).submission_sha256 == SHA
    with pytest.raises(UserError, match="not this one"):
        load_review(path, "d" * 64)


def test_interactive_review_from_stdin_writes_the_review_file(good_case, tmp_path):
    good_submission, _, report = good_case
    out = tmp_path / "review.yaml"
    answers = [
        "Ada Evaluator",
        "pass", "The purpose is case triage under warrant and nothing broader is offered.",
        "fail", "ok",  # too short: asked again
        "Misses fall mostly on the dark-lighting group, which the team does not address.",
        "skip",
        "abstain", "I advised this team during the event, so another evaluator should decide.",
        "pass", "No identification, surveillance or storage features; triage support only.",
    ]
    result = run_cli("ethics", "review", good_submission, "--out", out, "--report", report,
                     stdin="\n".join(answers) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Not recorded" in result.stderr
    assert "fairness.equalized_odds (pass): bias.max_equalized_odds_difference = 0.04" in result.stderr
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert document["submission_sha256"] == load_submission(good_submission).sha256
    reviews = document["reviews"]
    assert set(reviews) == {REVIEWER_IDS[0], REVIEWER_IDS[1], REVIEWER_IDS[3], REVIEWER_IDS[4]}
    assert reviews[REVIEWER_IDS[1]]["decision"] == "fail"
    assert reviews[REVIEWER_IDS[1]]["reasoning"].startswith("Misses fall mostly")
    assert {entry["reviewer"] for entry in reviews.values()} == {"Ada Evaluator"}
    assert reviews[REVIEWER_IDS[0]]["date"] == dt.date.today().isoformat()

    # A second run on the same file keeps earlier decisions unless changed.
    again = ["", "keep", "keep", "pass", "Answers are specific and agree with the measured report.",
             "keep", "keep"]
    result = run_cli("ethics", "review", good_submission, "--out", out, stdin="\n".join(again) + "\n")
    assert result.returncode == 0, result.stderr
    reviews = yaml.safe_load(out.read_text(encoding="utf-8"))["reviews"]
    assert len(reviews) == 5 and reviews[REVIEWER_IDS[2]]["decision"] == "pass"


def test_interrupted_review_writes_nothing(good_submission, tmp_path):
    out = tmp_path / "review.yaml"
    result = run_cli("ethics", "review", good_submission, "--out", out, stdin="Ada Evaluator\npass\n")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".review.yaml*"))


def test_review_refuses_to_overwrite_another_submissions_review(good_submission, tmp_path):
    out = tmp_path / "review.yaml"
    out.write_text(yaml.safe_dump(full_review(SHA)), encoding="utf-8")
    result = run_cli("ethics", "review", good_submission, "--out", out, stdin="")
    assert result.returncode == 2
    assert "another submission" in result.stderr


def test_a_review_is_resumed_only_for_the_same_submission(tmp_path):
    path = tmp_path / "review.yaml"
    assert resumable_review(path, SHA) is None  # nothing to resume
    path.write_text(yaml.safe_dump(full_review(SHA)), encoding="utf-8")
    resumed = resumable_review(path, SHA)
    assert resumed is not None and set(resumed.entries) == set(REVIEWER_IDS)
    with pytest.raises(UserError, match="another submission"):
        resumable_review(path, "d" * 64)
    assert resumable_review(path, "d" * 64, overwrite=True) is None  # start afresh, replacing it
    with pytest.raises(UserError, match="is a folder"):
        resumable_review(tmp_path, SHA)
