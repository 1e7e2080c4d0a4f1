"""The hub's page strings, kept in standard gettext catalogues (Babel) so translators use their usual tools.

Sources: `hub_plugin/locale/hub.pot` and `hub_plugin/locale/<lang>/LC_MESSAGES/hub.po`, one per
language. Each message has a context (`msgctxt`, the key the templates use, e.g. `title` or
`criterion:harm.accuracy`) and the English text as `msgid`. The `.po` files are compiled to `.mo`
when first needed (Babel's compiler, in memory) and read with the standard library's gettext;
`pybabel compile -d hub_plugin/locale -D hub` gives the same `.mo` files on disk.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from importlib import resources

from saferkit.hub_plugin.languages import LANGUAGES

DOMAIN = "hub"


def locale_files():  # noqa: ANN201 - an importlib Traversable
    return resources.files("saferkit.hub_plugin").joinpath("locale")


def read_catalog(lang: str | None = None, domain: str = DOMAIN):  # noqa: ANN201 - babel Catalog
    """The Babel catalogue of one language, or the template (`<domain>.pot`) for None."""
    from babel.messages.pofile import read_po

    path = locale_files().joinpath(f"{domain}.pot") if lang is None else \
        locale_files().joinpath(lang, "LC_MESSAGES", f"{domain}.po")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang or None, domain=domain)


@lru_cache(maxsize=None)
def translations(lang: str, domain: str = DOMAIN) -> gettext.GNUTranslations:
    """The compiled catalogue for `lang` (fuzzy entries are left out, as gettext does)."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(lang, domain), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@lru_cache(maxsize=1)
def english_by_key() -> dict[str, str]:
    """key (msgctxt) -> English text (msgid), from the template."""
    return {message.context: message.id for message in read_catalog() if message.id and message.context}


def text(key: str, lang: str) -> str | None:
    """The page string `key` in `lang`; None for a key no catalogue knows."""
    english = english_by_key().get(key)
    if english is None:
        return None
    if lang not in LANGUAGES or lang == "en":
        return english
    return translations(lang).pgettext(key, english)


def missing_translations() -> dict[str, list[str]]:
    """lang -> keys without a (non-fuzzy, non-empty) translation: what the catalogue test refuses."""
    missing: dict[str, list[str]] = {}
    keys = english_by_key()
    for lang in LANGUAGES:
        if lang == "en":
            continue
        done = {message.context for message in read_catalog(lang)
                if message.context and message.string and not message.fuzzy}
        gaps = sorted(set(keys) - done)
        if gaps:
            missing[lang] = gaps
    return missing


def all_texts() -> dict[str, dict[str, str]]:
    """key -> {lang: text} for every page string."""
    return {key: {lang: text(key, lang) or english for lang in LANGUAGES} for key, english in english_by_key().items()}
