"""Scorecard assembly and rendering: the qualification rule and safe output."""

from __future__ import annotations

import json

import pytest
import yaml
from ethics_cases import full_review, good_manifest_overrides, make_report

from saferkit.ethics.profile import load_profile
from saferkit.ethics.render import render_html, render_markdown, write_scorecard
from saferkit.ethics.review import parse_review
from saferkit.ethics.scorecard import build_scorecard
from saferkit.ethics.scorecard_file import scorecard_problems
from saferkit.evaluation.report import Report

SHA = "ab" * 4 + "0123456789abcdef" * 3 + "12345678"


def card_for(manifest_changes=None, **report_changes):
    manifest = {"name": "toy", "version": "1.0.0", "operating_point": {"chosen_for": "recall>=0.95 on val"},
                "model_card": {key: f"A specific statement about {key.replace('_', ' ')} for this tool, in full."
                               for key in ("intended_use", "out_of_scope_uses", "limitations", "domain_gap",
                                           "ethical_considerations", "human_oversight", "contestability")},
                **good_manifest_overrides(), **(manifest_changes or {})}
    report = Report(make_report(SHA, **report_changes), "f" * 64, "report.json")
    review = parse_review(yaml.safe_dump(full_review(SHA)), "review.yaml")
    return build_scorecard(manifest=manifest, submission_sha256=SHA, report=report, profile=load_profile(), review=review)


def test_qualified_only_when_every_required_criterion_passes():
    card = card_for()
    assert card["qualified"] and card["blocking"] == [] and scorecard_problems(card) == []
    assert card["counts"]["pass"] == len(card["criteria"])
    optional_failure = card_for(efficiency__latency_ms_batch1=5000.0)
    row = next(r for r in optional_failure["criteria"] if r["id"] == "harm.efficiency")
    assert (row["required"], row["result"], optional_failure["qualified"]) == (False, "fail", True)
    required_gap = card_for(calibration__ece={"value": None, "ci_low": None, "ci_high": None})
    assert not required_gap["qualified"] and required_gap["blocking"] == ["harm.calibration"]


def test_schema_rejects_a_qualified_card_with_a_required_failure():
    card = card_for()
    card["criteria"][0]["result"] = "fail"
    assert scorecard_problems(card)


def test_team_text_is_escaped_in_html_and_markdown(tmp_path):
    hostile = "<script>alert(1)</script> | our tool keeps no images and sends nothing over the network at all"
    card = card_for({"ethics": {**good_manifest_overrides()["ethics"], "autonomy.privacy": hostile}})
    html = render_html(card)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "\\| our tool keeps" in render_markdown(card)
    paths = write_scorecard(card, tmp_path / "out")
    assert json.loads(paths["scorecard.json"].read_text(encoding="utf-8")) == card
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["scorecard.html", "scorecard.json", "scorecard.md"]


def test_out_that_is_a_file_is_a_usage_error(tmp_path):
    from saferkit.core.errors import UserError

    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match="is a file"):
        write_scorecard(card_for(), target)


def test_read_scorecard_validates_and_binds_to_the_submission(tmp_path):
    from saferkit.core.errors import UserError
    from saferkit.ethics.scorecard_file import read_scorecard

    paths = write_scorecard(card_for(), tmp_path / "out")
    assert read_scorecard(tmp_path / "out", SHA)["qualified"] is True
    with pytest.raises(UserError, match="not 0000"):
        read_scorecard(paths["scorecard.json"], "0" * 64)
    forged = json.loads(paths["scorecard.json"].read_text(encoding="utf-8"))
    forged["criteria"][0]["result"] = "fail"  # a required criterion failed, yet qualified stays true
    paths["scorecard.json"].write_text(json.dumps(forged), encoding="utf-8")
    with pytest.raises(UserError, match="not a valid scorecard"):
        read_scorecard(paths["scorecard.json"])


def test_read_scorecard_gives_typed_fields_and_the_exact_bytes(tmp_path):
    from saferkit.core.digest import bytes_sha256
    from saferkit.ethics.scorecard_file import ScorecardInvalid, read_scorecard

    card = card_for()
    paths = write_scorecard(card, tmp_path / "out")
    read = read_scorecard(paths["scorecard.json"])
    assert read.qualified and read.submission_sha256 == SHA and read.report_sha256 == "f" * 64
    assert read.sha256 == bytes_sha256(paths["scorecard.json"].read_bytes()) and read.ids_with("fail") == []
    assert dict(read) == json.loads(paths["scorecard.json"].read_text(encoding="utf-8"))
    paths["scorecard.json"].write_text(json.dumps({"qualified": True}), encoding="utf-8")
    with pytest.raises(ScorecardInvalid) as caught:
        read_scorecard(paths["scorecard.json"])
    assert any("submission_sha256" in problem for problem in caught.value.problems)
