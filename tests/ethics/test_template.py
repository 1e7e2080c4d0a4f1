"""The template teams paste into submission.yaml: valid YAML, every question, never a pass untouched."""

from __future__ import annotations

import yaml
from ethics_cases import ANSWERS, run_cli

from saferkit.ethics import declared_ids, declared_questions, template
from saferkit.ethics.checklist import criteria_by_id
from saferkit.ethics.declared import decide_declared
from saferkit.ethics.profile import load_profile


def test_template_is_yaml_holding_every_declared_question():
    text = template()
    answers = yaml.safe_load(text)["ethics"]
    assert list(answers) == declared_ids()
    for question in declared_questions():
        assert question.id in text
        assert question.question.split()[0] in text
        assert answers[question.id] == (False if question.answer == "confirm" else "")


def test_untouched_template_is_insufficient_evidence_for_every_declared_answer():
    manifest = {"ethics": yaml.safe_load(template())["ethics"]}
    profile = load_profile()
    for cid in declared_ids():
        decision = decide_declared(criteria_by_id()[cid], manifest, profile)
        assert decision.result == "insufficient-evidence", cid


def test_template_with_answers_round_trips_and_passes():
    filled = yaml.safe_load(template(ANSWERS))["ethics"]
    assert filled == {cid: (" ".join(v.split()) if isinstance(v, str) else v) for cid, v in ANSWERS.items()}
    profile = load_profile()
    for cid in declared_ids():
        criterion = criteria_by_id()[cid]
        if not criterion.also_reads:
            assert decide_declared(criterion, {"ethics": filled}, profile).result == "pass", cid


def test_cli_prints_the_template_and_can_write_it(tmp_path):
    result = run_cli("ethics", "template")
    assert result.returncode == 0
    assert result.stdout == template()
    out = tmp_path / "answers.yaml"
    assert run_cli("ethics", "template", "--out", out).returncode == 0
    assert out.read_text(encoding="utf-8") == template()
