"""The catalogue entry: published schema, what it summarises, languages and fallback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from saferkit.core.errors import UserError
from saferkit.hub_plugin.entry import build_entry, load_listing
from saferkit.hub_plugin.gate import check_publishable
from saferkit.hub_plugin.languages import LANGUAGES, direction, localize, negotiate
from saferkit.hub_plugin.schema import EntryInvalid, entry_schema, validate_entry


def test_schema_file_is_a_valid_json_schema_covering_every_language():
    schema = entry_schema()
    Draft202012Validator.check_schema(schema)
    text = schema["$defs"]["text"]
    assert text["required"] == ["en"] and sorted(text["properties"]) == sorted(LANGUAGES)
    assert schema["properties"]["cost"]["enum"] == ["free", "free-for-law-enforcement"]


def test_entry_summarises_report_scorecard_and_card(evaluated):
    submission_dir, report, scorecard = evaluated()
    inputs = check_publishable(submission_dir, report, scorecard)
    entry = build_entry(inputs)
    validate_entry(entry)
    assert entry["id"] == "toy-red" and entry["version"] == "1.0.0"
    assert entry["evaluation"]["headline"]["roc_auc"] == {"value": 0.91, "ci_low": 0.87, "ci_high": 0.94}
    assert entry["evaluation"]["headline"]["precision_at_k"]["note"] == "too few to estimate"
    assert entry["evaluation"]["worst_group_recall"]["value"] == 0.82
    assert {g["group"] for g in entry["evaluation"]["groups"]} == {"day", "night", "indoor", "outdoor"}
    assert entry["evaluation"]["robustness"]["max_auc_drop"] == 0.09
    assert entry["ethics"]["qualified"] is True and entry["ethics"]["counts"]["pass"] == 3
    assert entry["artifacts"]["submission_sha256"] == inputs.submission.sha256
    assert entry["model_card"]["limitations"]["en"].startswith("Toy model limitations")
    assert entry["languages"] == ["en"]
    assert entry["training_data"][0]["content"] == "synthetic"


def test_listing_translations_set_languages_and_fallback(evaluated, tmp_path: Path):
    submission_dir, report, scorecard = evaluated()
    fields = ("intended_use", "out_of_scope_uses", "limitations", "domain_gap", "ethical_considerations",
              "human_oversight", "contestability")
    listing_path = tmp_path / "listing.yaml"
    listing_path.write_text(yaml.safe_dump({
        "summary": "Scores images for review.", "cost": "free-for-law-enforcement",
        "translations": {"fr": {"summary": "Classe les images à examiner.",
                                "model_card": {f: f"texte {f}" for f in fields}},
                         "ar": {"summary": "يرتب الصور للمراجعة."}},
    }, allow_unicode=True))
    entry = build_entry(check_publishable(submission_dir, report, scorecard), load_listing(listing_path))
    assert entry["languages"] == ["ar", "en", "fr"]  # the languages its summary is written in
    assert entry["cost"] == "free-for-law-enforcement"
    assert localize(entry["summary"], "fr").text == "Classe les images à examiner."
    arabic_card = localize(entry["model_card"]["limitations"], "ar")
    assert arabic_card.translated is False and arabic_card.lang == "en"
    assert localize(entry["summary"], "ar").translated is True


def test_listing_with_unknown_key_or_language_is_refused(tmp_path: Path):
    path = tmp_path / "listing.yaml"
    path.write_text("sumary: typo\n")
    with pytest.raises(UserError, match="unknown key.*sumary"):
        load_listing(path)
    path.write_text("translations: {de: {summary: x}}\n")
    with pytest.raises(UserError, match="unknown language.*de"):
        load_listing(path)


def test_invalid_entry_names_every_bad_field(evaluated):
    entry = build_entry(check_publishable(*evaluated()))
    del entry["cost"]
    entry["summary"] = {"fr": "sans anglais"}
    entry["deployment"]["min_memory_mb"] = 0
    with pytest.raises(EntryInvalid) as caught:
        validate_entry(entry)
    assert {"(top level)", "summary", "deployment.min_memory_mb"} <= set(caught.value.fields)
    assert "cost" in str(caught.value) and "'en' is a required property" in str(caught.value)


@pytest.mark.parametrize(("query", "header", "expected"), [
    ("ar", "fr", "ar"), (None, "fr-CA,fr;q=0.9,en;q=0.5", "fr"), (None, "de, zh;q=0.4, ru;q=0.6", "ru"),
    (None, "de", "en"), ("xx", None, "en"), (None, "pt-BR;q=0", "en"),
])
def test_language_negotiation(query, header, expected):
    assert negotiate(query, header) == expected


def test_direction_is_rtl_only_for_arabic():
    assert [lang for lang in LANGUAGES if direction(lang) == "rtl"] == ["ar"]


def test_entry_json_in_bundle_is_canonical(signed_bundle):
    bundle = signed_bundle()
    raw = (bundle.folder / "entry.json").read_bytes()
    assert json.loads(raw) == bundle.entry
    assert raw == (json.dumps(bundle.entry, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()
