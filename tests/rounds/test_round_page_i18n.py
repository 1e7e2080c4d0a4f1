"""The round page's strings come from the hub's catalogues, in all eight languages, and the page asks for no other."""

from __future__ import annotations

import re
from pathlib import Path

from saferkit.hub_plugin.i18n import english_by_key, missing_translations, text
from saferkit.hub_plugin.languages import LANGUAGES
from saferkit.rounds.server import ROUND_KEYS, word


def test_every_round_word_is_translated_in_every_language():
    source = (Path(__file__).resolve().parents[2] / "rounds" / "server.py").read_text(encoding="utf-8")
    asked = {f"round_{key}" for key in re.findall(r"\bword\('([^']+)'", source)} | {"round_development", "round_final"}  # word(phase, ...)
    assert asked == set(ROUND_KEYS) and set(ROUND_KEYS) <= set(english_by_key())
    assert not any(key.startswith("round_") for keys in missing_translations().values() for key in keys)
    for key in ROUND_KEYS:
        texts = {lang: text(key, lang) for lang in LANGUAGES}
        assert all(texts.values()) and len(set(texts.values())) >= 6, (key, texts)  # "Fase final" is es and pt alike
    assert word("private", "fr") == "Ce classement reste privé jusqu'à ce que l'organisateur le révèle."
    assert word("development", "ar") == "مرحلة التطوير"
