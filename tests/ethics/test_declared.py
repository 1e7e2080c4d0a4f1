"""Declared criteria: the team's answers must be present and plausible; licence and data must be permitted."""

from __future__ import annotations

import copy
import json

import pytest
from ethics_cases import ANSWERS, DIGEST_A, good_manifest_overrides

from saferkit.ethics.checklist import criteria_by_id
from saferkit.ethics.declared import decide_declared
from saferkit.ethics.profile import load_profile


def manifest(**changes):
    base = {
        "team": {"name": "Lab", "contact": "safer-images@lab.ac.uk"},
        "operating_point": {"threshold": 0.5, "chosen_for": "recall>=0.95 on val"},
        "model_card": {key: f"A specific statement about {key.replace('_', ' ')} for this triage model, in full."
                       for key in ("intended_use", "out_of_scope_uses", "limitations", "domain_gap",
                                   "ethical_considerations", "human_oversight", "contestability")},
    }
    base.update(copy.deepcopy(good_manifest_overrides()))
    base.update(changes)
    return base


def decide(cid, document, digests=None):
    return decide_declared(criteria_by_id()[cid], document, load_profile(), digests)


def test_plausible_answers_pass_and_are_quoted():
    decision = decide("autonomy.human_oversight", manifest())
    assert decision.result == "pass"
    assert ANSWERS["autonomy.human_oversight"][:60] in decision.evidence


@pytest.mark.parametrize("answer", ["", "   ", "TODO", "tbd", "n/a", "Yes.", "see README",
                                    "We will fill this in before the deadline, TODO later.",
                                    "<your answer about privacy goes here>", "good " * 20, 42, None])
def test_empty_short_or_placeholder_answers_are_insufficient(answer):
    answers = dict(ANSWERS)
    if answer is None:
        del answers["autonomy.privacy"]
    else:
        answers["autonomy.privacy"] = answer
    decision = decide("autonomy.privacy", manifest(ethics=answers))
    assert decision.result == "insufficient-evidence"
    assert decision.why.startswith("ethics.autonomy.privacy:")


def test_an_answer_that_repeats_the_question_is_insufficient():
    question = criteria_by_id()["autonomy.privacy"].question
    answers = {**ANSWERS, "autonomy.privacy": question}
    assert "repeats the question" in decide("autonomy.privacy", manifest(ethics=answers)).why


def test_model_card_fields_are_read_too():
    card = {**manifest()["model_card"], "human_oversight": "TBD"}
    decision = decide("autonomy.human_oversight", manifest(model_card=card))
    assert decision.result == "insufficient-evidence"
    assert "model_card.human_oversight" in decision.why


def test_confirmation_must_be_true():
    for value, result in ((True, "pass"), (False, "insufficient-evidence"), ("yes", "insufficient-evidence")):
        answers = {**ANSWERS, "data.synthetic_only": value}
        assert decide("data.synthetic_only", manifest(ethics=answers)).result == result


@pytest.mark.parametrize("licence, result", [
    ("Apache-2.0", "pass"), ("MIT OR Apache-2.0", "pass"), ("GPL-2.0-or-later WITH Classpath-exception-2.0", "pass"),
    ("LicenseRef-Proprietary", "fail"), ("MIT AND LicenseRef-Commercial", "fail"), ("CC-BY-NC-4.0", "fail"),
])
def test_licence_must_be_free_for_agencies(licence, result):
    assert decide("fairness.free_licence", manifest(license=licence)).result == result


def test_contact_on_an_example_domain_is_not_a_way_to_contest():
    decision = decide("fairness.contestability", manifest(team={"name": "Lab", "contact": "team@example.org"}))
    assert decision.result == "insufficient-evidence"
    assert "reserved for examples" in decision.why


def test_training_data_digests_must_be_plausible_distinct_and_match_given_folders():
    entry = {"name": "scenes", "content": "synthetic", "license": "CC0-1.0", "provenance_sha256": DIGEST_A}
    assert decide("data.synthetic_only", manifest(training_data=[entry])).result == "pass"
    made_up = {**entry, "provenance_sha256": "0" * 64}
    decision = decide("data.synthetic_only", manifest(training_data=[made_up]))
    assert decision.result == "insufficient-evidence" and "distinct digits" in decision.why
    twice = [entry, {**entry, "name": "copy"}]
    assert "repeats" in decide("data.synthetic_only", manifest(training_data=twice)).why
    assert decide("data.synthetic_only", manifest(training_data=[entry]), digests={DIGEST_A}).result == "pass"
    decision = decide("data.synthetic_only", manifest(training_data=[entry]), digests={"b" * 64})
    assert decision.result == "fail" and "matches none" in decision.why


def test_training_digest_checked_against_a_real_provenance_folder(tmp_path):
    from saferkit.datasets.provenance import provenance_sha256
    from saferkit.ethics.scorecard import training_digests

    folder = tmp_path / "scenes"
    folder.mkdir()
    (folder / "provenance.json").write_text(json.dumps({
        "content": "synthetic", "source": "saferkit scene generator", "license": "CC0-1.0",
        "permitted_by": "test suite", "attestation": {"no_sexual_or_abuse_material": True,
                                                      "no_identifiable_children": True}}), encoding="utf-8")
    digests = training_digests([folder])
    assert digests == {provenance_sha256(folder)}
    entry = {"name": "scenes", "content": "synthetic", "license": "CC0-1.0", "provenance_sha256": provenance_sha256(folder)}
    assert decide("data.synthetic_only", manifest(training_data=[entry]), digests).result == "pass"
