"""The round page's strings come from the hub's catalogues, in all eight languages, and the page asks for no other."""

from __future__ import annotations

import re
from pathlib import Path

from saferkit.evaluation.leaderboard import BOARD_WORDS
from saferkit.hub_plugin.i18n import english_by_key, missing_translations, text
from saferkit.hub_plugin.languages import LANGUAGES
from saferkit.rounds.server import ROUND_KEYS, board_words, word


def test_every_round_word_is_translated_in_every_language():
    source = (Path(__file__).resolve().parents[2] / "rounds" / "server.py").read_text(encoding="utf-8")
    asked = {f"round_{key}" for key in re.findall(r"\bword\('([^']+)'", source)} | {"round_development", "round_final"}  # word(phase, ...)
    asked |= {f"round_board_{key}" for key in BOARD_WORDS}  # board_words(lang): the board's table and notes
    assert asked == set(ROUND_KEYS) and set(ROUND_KEYS) <= set(english_by_key())
    assert all(english_by_key()[f"round_board_{key}"] == english for key, english in BOARD_WORDS.items())
    assert not any(key.startswith("round_") for keys in missing_translations().values() for key in keys)
    for key in ROUND_KEYS:
        texts = {lang: text(key, lang) for lang in LANGUAGES}
        assert all(texts.values()) and len(set(texts.values())) >= 5, (key, texts)  # "Fase final" is es and pt alike
        assert texts["en"] != texts["fr"] or key == "round_board_sha256", key
    assert word("private", "fr") == "Ce classement reste privé jusqu'à ce que l'organisateur le révèle."
    assert word("development", "ar") == "مرحلة التطوير"


def test_the_board_table_speaks_the_pages_language():
    fr, zh = board_words("fr"), board_words("zh")
    assert fr("leader minus entry (paired)") == "meneur moins participation (apparié)"
    assert zh("best of {n}").format(n=3) == "3 次中最佳"
    assert fr(BOARD_WORDS["data_set"]).format(provenance="abc", n=60).startswith("Jeu de données : provenance abc, 60")
    assert fr("a string the board does not use") == "a string the board does not use"
