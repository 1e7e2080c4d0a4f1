"""The web pages as plain HTML over HTTP: login, languages, right-to-left Arabic, filters, tool page."""

from __future__ import annotations

import re

import httpx
import pytest
from markupsafe import escape

from saferkit.hub_plugin.bundle import zip_bundle
from saferkit.hub_plugin.languages import LANGUAGES
from saferkit.hub_plugin.server.web import ui_text

MODEL_CARD = ("intended_use", "out_of_scope_uses", "limitations", "domain_gap", "ethical_considerations",
              "human_oversight", "contestability")


@pytest.fixture
def web(hub, signed_bundle):
    """A hub holding two tools, and a client logged in with the reader key (cookie)."""
    server, publisher_key, reader_key = hub
    french = {"summary": "Trie les images à examiner en priorité.", "model_card": {f: f"fr {f}" for f in MODEL_CARD}}
    bundles = [signed_bundle(listing={"summary": "Sorts images for review first.", "translations": {"fr": french}}),
               signed_bundle(name="hash-helper", listing={
                   "summary": "Finds known-image hash matches.", "cost": "free-for-law-enforcement",
                   "categories": {"purpose": ["hash-matching"], "technology": ["perceptual-hashing"]}})]
    for bundle in bundles:
        response = httpx.post(server.url + "/api/v1/entries", content=zip_bundle(bundle.folder),
                              headers={"X-API-Key": publisher_key}, timeout=60)
        assert response.status_code == 201, response.text
    with httpx.Client(base_url=server.url, timeout=30) as client:
        login = client.post("/login", data={"key": reader_key, "lang": "en", "next": "/"})
        assert login.status_code == 303 and "httponly" in login.headers["set-cookie"].lower()
        yield client


def test_every_ui_string_exists_in_all_eight_languages():
    from saferkit.hub_plugin.i18n import missing_translations

    assert missing_translations() == {}  # every catalogue translates every message, none fuzzy
    for key, texts in ui_text().items():
        assert sorted(texts) == sorted(LANGUAGES), key
        assert all(value.strip() for value in texts.values()), key


def test_pages_need_a_reader_key(hub):
    server, _, _ = hub
    page = httpx.get(server.url + "/?lang=fr")
    assert page.status_code == 401 and 'name="key"' in page.text and "Clé de lecture requise" in page.text
    wrong = httpx.post(server.url + "/login", data={"key": "guess", "lang": "en"})
    assert wrong.status_code == 401 and "That key was not accepted." in wrong.text
    assert httpx.get(server.url + "/tools/toy-red/v/1.0.0/plots/groups.png").status_code == 401


def test_catalogue_in_each_language_and_arabic_right_to_left(web):
    for lang in LANGUAGES:
        page = web.get("/", params={"lang": lang})
        assert page.status_code == 200
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in page.text
        assert str(escape(ui_text()["title"][lang])) in page.text
        assert "<script" not in page.text
    assert 'dir="rtl"' in web.get("/", headers={"Accept-Language": "ar-EG,ar;q=0.9"}).text
    assert '<html lang="zh"' in web.get("/", headers={"Accept-Language": "de, zh-CN;q=0.8"}).text


def test_untranslated_text_falls_back_to_english_and_says_so(web):
    french = web.get("/", params={"lang": "fr"}).text
    assert '<bdi lang="fr" dir="ltr">Trie les images à examiner en priorité.</bdi>' in french
    assert re.search(r'<bdi lang="en" dir="ltr">Finds known-image hash matches.</bdi> <small class="untranslated">'
                     r"\(pas encore traduit\)</small>", french)
    arabic = web.get("/", params={"lang": "ar"}).text  # an English fallback keeps its full stop at its own end
    assert '<bdi lang="en" dir="ltr">Finds known-image hash matches.</bdi>' in arabic
    english = web.get("/", params={"lang": "en"}).text
    assert "untranslated" not in english


def test_filters_narrow_the_catalogue(web):
    def tools(**params) -> list[str]:
        return re.findall(r'data-tool="([^"]+)"', web.get("/", params=params).text)

    assert tools() == ["hash-helper", "toy-red"]
    assert tools(category="hash-matching") == ["hash-helper"]
    assert tools(cost="free") == ["toy-red"]
    assert tools(language="fr", lang="fr") == ["toy-red"]
    assert tools(q="known-image") == ["hash-helper"]
    assert tools(deployment="gpu", cost="free-for-law-enforcement") == ["hash-helper"]
    empty = web.get("/", params={"q": "nothing like this", "lang": "es"}).text
    assert "Ninguna herramienta coincide con estos filtros." in empty


def test_tool_page_has_evaluation_ethics_card_plots_and_versions(web):
    page = web.get("/tools/toy-red", params={"lang": "en"})
    assert page.status_code == 200
    text = page.text
    for section in ("plain", "tested", "evaluation", "field", "deploy", "ethics", "model-card", "experiences",
                    "artifacts", "versions"):
        assert f'id="{section}"' in text
    assert "Area under the ROC curve <small><code>roc_auc</code></small></td><td>0.910</td><td>0.870 – 0.940</td>" in text
    assert "Worst-group recall</td><td>0.820</td>" in text
    assert "No group is left behind" in text  # the criterion's title from the catalogue, in every language
    assert "Recall (share found) <small><code>recall</code></small></td><td>0.875</td>" in text
    assert "Expected calibration error <small><code>ece</code></small></td><td>0.040</td>" in text
    assert "<code>roc_auc</code></small></td><td>0.900</td><td>confirmed</td>" in text
    for plot in ("groups", "robustness"):
        assert f"/tools/toy-red/v/1.0.0/plots/{plot}.png" in text
        image = web.get(f"/tools/toy-red/v/1.0.0/plots/{plot}.png")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    arabic = web.get("/tools/toy-red", params={"lang": "ar"}).text
    assert 'dir="rtl"' in arabic and "التفاصيل التقنية" in arabic and "لا تُترك أي مجموعة خلف الركب" in arabic
    assert web.get("/tools/missing-tool").status_code == 404
    download = web.get("/api/v1/entries/toy-red/versions/1.0.0/bundle")  # the page's link works with the cookie
    assert download.status_code == 200 and download.content.startswith(b"PK")
