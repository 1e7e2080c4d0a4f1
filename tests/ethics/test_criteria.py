"""The criteria files: valid, unique, and covering every principle and duty the hub promises."""

from __future__ import annotations

import pytest
import yaml

from saferkit.core.errors import UserError
from saferkit.ethics.checklist import KINDS, load_criteria, parse_criteria
from saferkit.ethics.profile import default_profile_text, load_profile, parse_profile

TOOLKIT_SUB_PRINCIPLES = {
    "Lawfulness / Legitimacy", "Lawfulness / Necessity", "Lawfulness / Proportionality",
    "Minimisation of harm / Human and environmental well-being", "Minimisation of harm / Robustness and safety",
    "Minimisation of harm / Accuracy", "Minimisation of harm / Efficiency",
    "Human autonomy / Human agency", "Human autonomy / Human control and oversight", "Human autonomy / Privacy",
    "Human autonomy / Transparency and explainability",
    "Fairness / Equality and non-discrimination", "Fairness / Diversity and accessibility",
    "Fairness / Protection of vulnerable groups", "Fairness / Contestability and redress",
    "Good governance / Accountability", "Good governance / Traceability and auditability",
}
EU_AI_ACT_DUTIES = {
    "Art. 10 Data and data governance", "Art. 12 Record-keeping", "Art. 13 Transparency and information to deployers",
    "Art. 14 Human oversight", "Art. 15 Accuracy", "Art. 15 Robustness", "Art. 15 Cybersecurity",
}
HUB_PRINCIPLES = {"Impartiality", "No promotion of unethical tools", "Cybersecurity"}


def _refs(framework: str) -> set[str]:
    return {s["ref"] for c in load_criteria() for s in c.sources if s["framework"] == framework}


def test_every_principle_and_duty_is_covered():
    assert TOOLKIT_SUB_PRINCIPLES <= _refs("interpol-unicri-toolkit")
    assert EU_AI_ACT_DUTIES <= _refs("eu-ai-act")
    assert HUB_PRINCIPLES <= _refs("hub")
    principles = {c.principle for c in load_criteria()}
    assert {"lawfulness", "minimisation-of-harm", "human-autonomy", "fairness", "good-governance",
            "impartiality", "no-promotion-of-unethical-tools", "cybersecurity"} <= principles


def test_every_kind_is_used_and_ids_are_unique():
    criteria = load_criteria()
    assert {c.kind for c in criteria} == set(KINDS)
    assert len({c.id for c in criteria}) == len(criteria)
    for criterion in criteria:
        assert criterion.id.split(".")[0] in {"lawfulness", "harm", "autonomy", "fairness", "governance", "data",
                                              "hub", "security"}
        assert criterion.evidence and criterion.title


def test_every_limit_a_criterion_names_is_in_the_default_profile():
    profile = load_profile()
    assert profile.name == "default"
    for criterion in load_criteria():
        for measure in criterion.measures:
            if "limit" in measure:
                assert measure["limit"] in profile.limits, (criterion.id, measure["limit"])


def test_duplicate_ids_are_rejected():
    text = yaml.safe_dump({"criteria": [
        {"id": "hub.same", "title": "A", "principle": "impartiality", "sources": [{"framework": "hub", "ref": "x"}],
         "kind": "reviewer", "required": True, "evidence": "e", "question": "q", "help": "h"}]})
    with pytest.raises(UserError, match="more than once"):
        parse_criteria({"one.yaml": text, "two.yaml": text})


def test_schema_rejects_a_criterion_of_the_wrong_shape():
    automatic_with_question = {"criteria": [{
        "id": "harm.bad", "title": "A", "principle": "minimisation-of-harm",
        "sources": [{"framework": "hub", "ref": "x"}], "kind": "automatic", "required": True, "evidence": "e",
        "question": "q?", "measures": [{"metric": "headline.roc_auc", "bound": "ci_low", "op": ">=", "limit": "x"}]}]}
    with pytest.raises(UserError, match="bad.yaml"):
        parse_criteria({"bad.yaml": yaml.safe_dump(automatic_with_question)})
    unknown_kind = {"criteria": [{"id": "hub.odd", "title": "A", "principle": "impartiality",
                                  "sources": [{"framework": "hub", "ref": "x"}], "kind": "vibes",
                                  "required": True, "evidence": "e"}]}
    with pytest.raises(UserError, match="vibes"):
        parse_criteria({"odd.yaml": yaml.safe_dump(unknown_kind)})


def test_profile_missing_a_limit_or_naming_an_unknown_criterion_is_refused():
    document = yaml.safe_load(default_profile_text())
    del document["limits"]["max_ece"]
    with pytest.raises(UserError, match="max_ece"):
        parse_profile(yaml.safe_dump(document), "round.yaml")
    document = yaml.safe_load(default_profile_text())
    document["required_overrides"] = {"harm.no_such_thing": True}
    with pytest.raises(UserError, match="harm.no_such_thing"):
        parse_profile(yaml.safe_dump(document), "round.yaml")
