"""A model that did not qualify is refused by scan and serve unless --allow-unqualified; then it is marked."""

from __future__ import annotations

import pytest
from evidence_helpers import run_cli, scan, write_scorecard

from saferkit.core.errors import UserError
from saferkit.evaluation.submission import load_submission
from saferkit.serving.qualification import check_models, qualification
from saferkit.serving.scan import store
from saferkit.serving.scan.report import write_report


def test_absent_failing_and_foreign_scorecards_do_not_qualify(tmp_path, toy_submission):
    sub = toy_submission()
    sha = load_submission(sub).sha256
    absent = qualification(sub, sha)
    assert not absent["qualified"] and "no scorecard" in absent["reason"]
    failing = qualification(sub, sha, write_scorecard(tmp_path / "fail", sha, qualified=False))
    assert not failing["qualified"] and "fairness.recall_gap" in failing["reason"]
    foreign = qualification(sub, sha, write_scorecard(tmp_path / "other", "a" * 64, qualified=True))
    assert not foreign["qualified"] and "is for submission" in foreign["reason"]
    beside = write_scorecard(sub, sha, qualified=True)  # found inside the submission folder when not named
    found = qualification(sub, sha)
    assert (found["qualified"], found["scorecard"], found["attested"]) == (True, str(beside), False)
    assert "unsigned" in found["reason"]
    assert "under profile 'test'" in found["reason"] and found["profile"] == "test"  # a demo profile says so here
    with pytest.raises(UserError, match="--allow-unqualified"):
        check_models([("toy", sub, sha)], [tmp_path / "fail" / "scorecard.json"], allow_unqualified=False)


def test_scan_refuses_an_unqualified_model_and_marks_it_when_allowed(tmp_path, toy_submission, drive, capsys):
    sub = toy_submission()
    card = write_scorecard(tmp_path / "card", load_submission(sub).sha256, qualified=False)
    out = tmp_path / "result"
    code, output = run_cli(capsys, "scan", drive["root"], "--out", out, "--model", sub, "--scorecard", card,
                           "--workers", "0", "--no-progress")
    assert code == 2 and "did not qualify" in output and not out.exists()
    code, output = run_cli(capsys, "scan", drive["root"], "--out", out, "--model", sub, "--scorecard", card,
                           "--workers", "0", "--no-progress", "--allow-unqualified")
    assert code == 0, output
    model = store.read_json(out / store.MANIFEST_NAME)["settings"]["models"][0]
    assert model["qualification"]["qualified"] is False
    html = tmp_path / "r.html"
    write_report(out, html)
    assert "did NOT qualify" in html.read_text(encoding="utf-8")


def test_a_qualified_model_scans_without_the_flag_and_without_a_warning(tmp_path, toy_submission, drive):
    sub = toy_submission()
    card = write_scorecard(tmp_path / "card", load_submission(sub).sha256, qualified=True)
    out = tmp_path / "result"
    summary = scan(out, drive["root"], models=[sub], scorecards=[card])
    assert summary["unqualified"] == []
    html = tmp_path / "r.html"
    write_report(out, html)
    assert "did NOT qualify" not in html.read_text(encoding="utf-8")


def test_serve_marks_every_response_of_an_allowed_unqualified_model(tmp_path, toy_submission):
    from fastapi.testclient import TestClient

    from saferkit.serving.app import UNQUALIFIED_HEADER, create_app, load_state
    from saferkit.serving.config import serve_config
    from saferkit.serving.keys import ApiKeys

    sub = toy_submission()
    config = serve_config(audit_log=tmp_path / "audit.jsonl")
    key = "k" * 32
    state = load_state([sub], [], config, ApiKeys([key]), allow_unqualified=True)
    with TestClient(create_app(state)) as client:
        for path in ("/v2/health/ready", "/v1/models"):
            response = client.get(path, headers={"Authorization": f"Bearer {key}"})
            assert "UNQUALIFIED" in response.headers[UNQUALIFIED_HEADER]


def test_the_library_entry_points_refuse_an_unqualified_model_as_the_cli_does(tmp_path, toy_submission, drive):
    from saferkit.serving.app import load_state
    from saferkit.serving.config import serve_config
    from saferkit.serving.keys import ApiKeys

    sub = toy_submission()
    sha = load_submission(sub).sha256
    failing = write_scorecard(tmp_path / "fail", sha, qualified=False)
    foreign = write_scorecard(tmp_path / "other", "a" * 64, qualified=True)
    out = tmp_path / "result"
    for cards, why in (([], "no scorecard"), ([failing], "says not qualified"), ([foreign], "is for submission")):
        with pytest.raises(UserError, match="saferkit ethics check") as refused:
            scan(out, drive["root"], models=[sub], scorecards=cards)
        assert why in str(refused.value) and "--allow-unqualified" in str(refused.value)
        assert not out.exists()  # refused before anything is written
        with pytest.raises(UserError, match=why):
            load_state([sub], [], serve_config(audit_log=tmp_path / "audit.jsonl"), ApiKeys(["k" * 32]), cards)
    summary = scan(out, drive["root"], models=[sub], scorecards=[failing], allow_unqualified=True)
    assert summary["unqualified"] == list(summary["models"]) and len(summary["unqualified"]) == 1
    state = load_state([sub], [], serve_config(audit_log=tmp_path / "audit.jsonl"), ApiKeys(["k" * 32]), [failing],
                       allow_unqualified=True)
    assert [q["qualified"] for q in state.qualification.values()] == [False]
    qualified = write_scorecard(tmp_path / "pass", sha, qualified=True)
    state = load_state([sub], [], serve_config(audit_log=tmp_path / "audit.jsonl"), ApiKeys(["k" * 32]), [qualified])
    assert [q["qualified"] for q in state.qualification.values()] == [True]


def test_a_signed_scorecard_is_checked_against_its_attestation(tmp_path, toy_submission):
    import json

    from saferkit.core.digest import bytes_sha256
    from saferkit.core.keys import generate_keypair
    from saferkit.core.signature import sign_statement
    from saferkit.ethics.attestation import ATTESTATION_FILE, ATTESTATION_KIND

    sub = toy_submission()
    sha = load_submission(sub).sha256
    card = write_scorecard(tmp_path / "card", sha, qualified=True)
    key, _ = generate_keypair(tmp_path / "evaluator.pem")
    statement = {"kind": ATTESTATION_KIND, "submission_sha256": sha, "scorecard_sha256": bytes_sha256(card.read_bytes())}
    (card.parent / ATTESTATION_FILE).write_text(json.dumps(sign_statement(statement, key)))
    signed = qualification(sub, sha, card)
    assert signed["qualified"] and signed["attested"] and signed["evaluator_key_sha256"]
    card.write_text(card.read_text().replace('"profile": "test"', '"profile": "edited"'))
    edited = qualification(sub, sha, card)
    assert not edited["qualified"] and "edited or replaced after signing" in edited["reason"]
