"""The hub's eight languages and how a text map falls back to English.

Every human-readable field of a catalogue entry is a map from language code to
text. English is required; a reader asking for another language gets the
English text marked as untranslated rather than nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

LANGUAGES: tuple[str, ...] = ("ar", "en", "fr", "es", "ru", "zh", "nl", "pt")
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
LANGUAGE_NAMES = {
    "ar": "العربية", "en": "English", "fr": "Français", "es": "Español",
    "ru": "Русский", "zh": "中文", "nl": "Nederlands", "pt": "Português",
}


@dataclass(frozen=True)
class LocalText:
    """A text in the language asked for, or its English fallback (`translated` False)."""

    text: str
    lang: str
    translated: bool


def localize(texts: Mapping[str, str] | str | None, lang: str) -> LocalText:
    """The text for `lang`, falling back to English and saying so."""
    if texts is None:
        return LocalText("", DEFAULT_LANGUAGE, False)
    if isinstance(texts, str):
        return LocalText(texts, DEFAULT_LANGUAGE, lang == DEFAULT_LANGUAGE)
    if texts.get(lang):
        return LocalText(texts[lang], lang, True)
    return LocalText(texts.get(DEFAULT_LANGUAGE, ""), DEFAULT_LANGUAGE, lang == DEFAULT_LANGUAGE)


def direction(lang: str) -> str:
    """`rtl` for right-to-left scripts, else `ltr` (the HTML dir attribute)."""
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"


def negotiate(query_lang: str | None, accept_language: str | None) -> str:
    """Pick the page language: an explicit ?lang= wins, then Accept-Language by weight, then English."""
    if query_lang and query_lang.lower() in LANGUAGES:
        return query_lang.lower()
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        if not tag:
            continue
        weight = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.split("-")[0]
        if primary in LANGUAGES and weight > 0:
            choices.append((-weight, position, primary))
    return sorted(choices)[0][2] if choices else DEFAULT_LANGUAGE


def translated_languages(text_maps: list[Mapping[str, str]]) -> list[str]:
    """Languages in which every given text map has its own (non-fallback) text."""
    return [lang for lang in LANGUAGES if all(m.get(lang) for m in text_maps)]
