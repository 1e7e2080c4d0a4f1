"""`saferkit ethics check --key`: the evaluator's signed statement, and reviewer signatures."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml
from ethics_cases import full_review, run_cli

from saferkit.core.keys import generate_keypair, public_key_sha256
from saferkit.ethics.attestation import AttestationRejected, sign_review, verify_attestation
from saferkit.ethics.profile import default_profile_text


@pytest.fixture
def keys(tmp_path):
    evaluator = generate_keypair(tmp_path / "keys" / "evaluator.pem")
    reviewer = generate_keypair(tmp_path / "keys" / "reviewer.pem")
    return evaluator, reviewer


def signed_check(good_case, tmp_path, keys):
    submission, sha, report = good_case
    review = tmp_path / "review.yaml"
    review.write_text(yaml.safe_dump(full_review(sha)), encoding="utf-8")
    sign_review(review, keys[1][0], "R. Viewer")
    out = tmp_path / "card"
    result = run_cli("ethics", "check", submission, "--report", report, "--review", review, "--out", out,
                     "--key", keys[0][0])
    return result, out, review


def test_check_with_key_signs_every_link(good_case, tmp_path, keys):
    submission, sha, report = good_case
    result, out, review = signed_check(good_case, tmp_path, keys)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "signed:" in result.stdout and (out / "attestation.json").is_file()
    document = json.loads((out / "attestation.json").read_text())
    scorecard_bytes = (out / "scorecard.json").read_bytes()
    attested = verify_attestation(document, scorecard_bytes=scorecard_bytes, scorecard=json.loads(scorecard_bytes),
                                  report_bytes=report.read_bytes(), submission_sha256=sha)
    statement = attested.statement
    assert attested.evaluator_key_sha256 == public_key_sha256(keys[0][1].read_bytes())
    assert statement["scorecard_sha256"] == hashlib.sha256(scorecard_bytes).hexdigest()
    assert statement["report_sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()
    assert statement["profile"]["content"] == default_profile_text() and statement["profile"]["name"] == "default"
    assert statement["profile"]["sha256"] == hashlib.sha256(default_profile_text().encode()).hexdigest()
    assert statement["data"]["provenance_sha256"] == json.loads(report.read_text())["data"]["provenance_sha256"]
    assert statement["review"]["sha256"] == hashlib.sha256(review.read_bytes()).hexdigest()
    assert statement["review"]["reviewer_key_sha256"] == public_key_sha256(keys[1][1].read_bytes())
    assert statement["review"]["reviewer"] == "R. Viewer"


def test_review_edited_after_the_reviewer_signed_is_refused(good_case, tmp_path, keys):
    submission, sha, report = good_case
    review = tmp_path / "review.yaml"
    review.write_text(yaml.safe_dump(full_review(sha)), encoding="utf-8")
    sign_review(review, keys[1][0], "R. Viewer")
    review.write_text(review.read_text().replace("pass", "pass ", 1), encoding="utf-8")
    result = run_cli("ethics", "check", submission, "--report", report, "--review", review, "--out",
                     tmp_path / "card", "--key", keys[0][0])
    assert result.returncode == 2 and "review-edited" in result.stderr and "Traceback" not in result.stderr


def test_without_key_no_attestation_and_an_old_one_is_removed(good_case, tmp_path, keys):
    submission, _, report = good_case
    _, out, review = signed_check(good_case, tmp_path, keys)
    assert (out / "attestation.json").is_file()
    result = run_cli("ethics", "check", submission, "--report", report, "--review", review, "--out", out)
    assert result.returncode == 0 and not (out / "attestation.json").exists()


def test_edits_after_signing_are_named(good_case, tmp_path, keys):
    submission, sha, report = good_case
    _, out, _ = signed_check(good_case, tmp_path, keys)
    document = json.loads((out / "attestation.json").read_text())
    scorecard_bytes = (out / "scorecard.json").read_bytes()

    def check(doc=document, card=scorecard_bytes, report_bytes=report.read_bytes(), submission_sha=sha):
        with pytest.raises(AttestationRejected) as caught:
            verify_attestation(doc, scorecard_bytes=card, scorecard=json.loads(card), report_bytes=report_bytes,
                               submission_sha256=submission_sha)
        return caught.value.check

    assert check(doc=None) == "evaluator-signature"
    forged = json.loads(json.dumps(document))
    forged["statement"]["profile"]["name"] = "lenient"
    assert check(doc=forged) == "evaluator-signature"
    assert check(card=scorecard_bytes.replace(b'"profile": "default"', b'"profile": "lenient"')) == "scorecard-edited"
    assert check(report_bytes=report.read_bytes() + b"\n") == "report-swapped"
    assert check(submission_sha="0" * 64) == "submission-swapped"


def test_review_with_key_signs_the_answers_it_wrote(good_case, tmp_path, keys):
    submission, sha, _ = good_case
    out = tmp_path / "review.yaml"
    result = run_cli("ethics", "review", submission, "--out", out, "--reviewer", "Ada Evaluator", "--key", keys[1][0],
                     stdin="pass\nThe purpose is case triage under warrant and nothing broader is offered.\n"
                     + "skip\n" * 10)
    assert result.returncode == 0, result.stderr
    assert "signed:" in result.stdout and (tmp_path / "review.yaml.sig").is_file()
    signature = json.loads((tmp_path / "review.yaml.sig").read_text())
    assert signature["statement"]["review_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert signature["statement"]["submission_sha256"] == sha and signature["statement"]["reviewer"] == "Ada Evaluator"
