"""The learning centre: one tutorial per user group, written in Markdown (English) and served by the hub.

Tutorials are translatable in the same gettext catalogues as the pages, domain
`learn` (`hub_plugin/locale/learn.pot`, `<lang>/LC_MESSAGES/learn.po`): each
paragraph, heading or list is one message (context `learn:<group>`, the English
block as msgid); command blocks are never translated. A block without a
translation is shown in English, marked with its language and direction.
`write_learn_catalogues` extracts the messages again after a tutorial changes
(tests/hub_plugin/test_learn.py fails while the template is out of date), and
the commands in each tutorial's ```bash blocks are checked against the CLI there;
tests/hub_plugin/test_tutorials_run.py runs every one of them as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from saferkit.hub_plugin.languages import LANGUAGES, direction

GROUPS = ("hackathon-team", "evaluator", "agency-technical", "agency-investigator")
DOMAIN = "learn"


def tutorial_source(group: str) -> str:
    return resources.files("saferkit.hub_plugin.server").joinpath("tutorials", f"{group}.md").read_text("utf-8")


def blocks(group: str) -> list[tuple[str, bool]]:
    """(text, is_code) for each block of a tutorial: blank-line separated, fenced code kept whole."""
    parts = re.split(r"(```[a-z]*\n.*?```)", tutorial_source(group), flags=re.S)
    found: list[tuple[str, bool]] = []
    for part in parts:
        if part.startswith("```"):
            found.append((part, True))
        else:
            found.extend((chunk.strip(), False) for chunk in re.split(r"\n\s*\n", part) if chunk.strip())
    return found


def messages() -> list[tuple[str, str]]:
    """(context, English text) of every translatable block, in tutorial order."""
    return [(f"learn:{group}", text) for group in GROUPS for text, code in blocks(group) if not code]


@dataclass(frozen=True)
class TutorialPage:
    html: str
    translated: bool  # every block in the page's language


@lru_cache(maxsize=None)
def tutorial_page(group: str, lang: str) -> TutorialPage:
    """The tutorial rendered to HTML in `lang` where translated, English elsewhere (raw HTML is escaped)."""
    from markdown_it import MarkdownIt
    from markupsafe import escape

    from saferkit.hub_plugin.i18n import translations

    markdown = MarkdownIt("commonmark", {"html": False})
    catalogue = translations(lang, DOMAIN) if lang in LANGUAGES and lang != "en" else None
    html, complete = [], True
    for text, code in blocks(group):
        shown, shown_lang = text, "en"
        if not code and catalogue is not None:
            local = catalogue.pgettext(f"learn:{group}", text)
            if local != text:
                shown, shown_lang = local, lang
            else:
                complete = False
        html.append(f'<div lang="{escape(shown_lang)}" dir="{"ltr" if code else direction(shown_lang)}">'
                    f"{markdown.render(shown)}</div>")
    return TutorialPage("\n".join(html), complete or lang == "en")


def tutorial_html(group: str) -> str:
    return tutorial_page(group, "en").html


def write_learn_catalogues(root: Path) -> None:
    """Write learn.pot and update each language's learn.po (keeping existing translations), as pybabel does."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = Catalog(domain=DOMAIN, project="saferkit hub learning centre", version="1", fuzzy=False)
    for context, text in messages():
        template.add(text, context=context)
    with open(root / f"{DOMAIN}.pot", "wb") as handle:
        write_po(handle, template, width=0, sort_output=False)
    for lang in LANGUAGES:
        if lang == "en":
            continue
        path = root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.exists():
            with open(path, "rb") as handle:
                catalogue = read_po(handle, locale=lang, domain=DOMAIN)
            catalogue.update(template, no_fuzzy_matching=True)
        else:
            catalogue = Catalog(locale=lang, domain=DOMAIN, project="saferkit hub learning centre", version="1",
                                fuzzy=False)
            for message in template:
                if message.id:
                    catalogue.add(message.id, context=message.context)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            write_po(handle, catalogue, width=0, sort_output=False, ignore_obsolete=True)
