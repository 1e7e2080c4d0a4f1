"""Issue 22's done-when in a real headless Chromium (Debian's, driven by Playwright, JavaScript off):
log in, filter, read a tool page in all eight languages, post and moderate an experience report,
upload a signed field report and see it, compare two tools, log out."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import httpx
import pytest

from saferkit.hub_plugin.bundle import zip_bundle
from saferkit.hub_plugin.languages import LANGUAGES

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


def _sibling(name: str):  # noqa: ANN202 - importlib mode: load a sibling test module by path
    spec = importlib.util.spec_from_file_location(f"hub_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_officer_journey_in_headless_chromium(chromium, hub, signed_bundle, tmp_path: Path):
    from playwright.sync_api import sync_playwright

    from saferkit.core.keys import generate_keypair
    from saferkit.evaluation.private_report import build_field_report, sign_field_report
    from saferkit.hub_plugin.i18n import text

    agency = _sibling("test_agency_hub")
    server, publisher_key, reader_key = hub
    operator_key = server.catalogue.add_operator("hub operator")
    for bundle in (signed_bundle(listing=agency.full_listing()), signed_bundle(name="hash-helper", listing={
            "summary": "Finds known-image hash matches.", "deployment": {"compute": ["cpu"]},
            "categories": {"purpose": ["hash-matching"], "technology": ["perceptual-hashing"]}})):
        assert httpx.post(server.url + "/api/v1/entries", content=zip_bundle(bundle.folder),
                          headers={"X-API-Key": publisher_key}, timeout=60).status_code == 201
    entry = httpx.get(server.url + "/api/v1/entries/toy-red", headers={"X-API-Key": reader_key}).json()["entry"]
    make_report = agency.report_factory()
    statement = build_field_report(agency.make_agency_report(make_report, entry["artifacts"]["submission_sha256"]))
    field_file = tmp_path / "field-report.json"
    field_file.write_text(json.dumps(sign_field_report(statement, generate_keypair(tmp_path / "agency.pem")[0])))
    shots = Path(os.environ.get("SAFERKIT_TEST_SCREENSHOTS", tmp_path / "shots"))
    shots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            reader = browser.new_context(java_script_enabled=False, locale="en-GB", viewport={"width": 1200, "height": 900})
            page = reader.new_page()
            page.set_default_timeout(30_000)
            page.goto(server.url + "/?lang=en")
            page.fill("#key", reader_key)
            page.click("button[type=submit]")
            page.wait_for_url("**/?lang=en")
            assert page.locator("li.tool").count() == 2
            assert all(reader_key not in c["value"] for c in reader.cookies())

            page.select_option("#filter-deployment", "gpu")
            page.select_option("#filter-language", "ar")
            page.click("#apply")
            page.wait_for_url("**deployment=gpu**")
            assert page.locator("li.tool h2 a").all_inner_texts() == ["toy-red"]
            page.screenshot(path=str(shots / "hub-catalogue-filtered-en.png"), full_page=True)
            page.goto(server.url + "/?lang=es")
            page.click("#compare")
            page.wait_for_url("**/compare**")
            assert page.locator("#comparison thead th").count() == 3
            page.screenshot(path=str(shots / "hub-compare-es.png"), full_page=True)
            page.goto(server.url + "/learn/agency-technical?lang=ar")
            assert page.locator("article.tutorial pre").count() >= 3
            page.screenshot(path=str(shots / "hub-learn-ar.png"), full_page=True)

            for lang in LANGUAGES:
                page.goto(f"{server.url}/tools/toy-red?lang={lang}")
                plain = page.locator("#plain").inner_text()
                between = text("between_pct", lang).format(low=25, high=41)
                assert text("plain_workload", lang).format(found=95, seen=33, between=between) in plain, lang
                assert "saferkit serve toy-red-1.0.0/submission" in page.locator("#cmd-serve").inner_text()
                assert "saferkit hub verify toy-red-1.0.0.zip" in page.locator("#cmd-verify").inner_text()
                assert "Test Evaluation Lab" in page.locator("#evaluator").inner_text()
                assert page.locator(".untranslated").count() == 0, lang
                if lang in ("ar", "zh", "en"):
                    page.screenshot(path=str(shots / f"hub-tool-{lang}.png"), full_page=True)
            assert page.locator("html").get_attribute("dir") == "ltr"
            page.goto(f"{server.url}/tools/toy-red?lang=ar")
            assert page.locator("body").evaluate("e => getComputedStyle(e).direction") == "rtl"
            assert page.locator("#cmd-serve").evaluate("e => getComputedStyle(e).direction") == "ltr"

            page.goto(f"{server.url}/tools/toy-red?lang=fr")
            form = page.locator("#experience-form")
            form.locator("select[name=lang]").select_option("fr")
            form.locator("textarea[name=context]").fill("Unité régionale : tri des saisies numériques")
            form.locator("input[name=hardware]").fill("1 serveur, 16 cœurs, sans GPU")
            form.locator("input[name=volume_items]").fill("120000")
            form.locator("input[name=throughput_items_per_hour]").fill("40000")
            form.locator("input[name=recommend][value=yes]").check()
            page.click("#post-experience")
            page.wait_for_url("**notice=exp_received**")
            assert "Unité régionale" not in page.locator("#experiences").inner_text()

            page.set_input_files("#field-form input[name=document]", str(field_file))
            page.fill("#field-form input[name=label]", "Regional Agency 3")
            page.click("#field-form button[type=submit]")
            page.wait_for_url("**notice=field_received**")
            assert "Regional Agency 3" in page.locator("#field").inner_text()

            operator = browser.new_context(java_script_enabled=False, locale="en-GB")
            moderator = operator.new_page()
            moderator.goto(server.url + "/tools/toy-red?lang=en")
            moderator.fill("#key", operator_key)
            moderator.click("button[type=submit]")
            moderator.wait_for_url("**/tools/toy-red**")
            held = moderator.locator("form.moderation")
            assert held.count() == 1
            held.locator("select[name=state]").select_option("published")
            held.locator("input[name=reason]").fill("factual, no case data")
            held.locator("button[type=submit]").click()
            moderator.wait_for_url("**notice=moderated**")
            operator.close()

            page.goto(f"{server.url}/tools/toy-red?lang=ar")
            report = page.locator("article.experience")
            assert report.count() == 1 and report.get_attribute("lang") == "fr"
            assert "Unité régionale" in report.inner_text() and "Français" in report.inner_text()
            page.screenshot(path=str(shots / "hub-tool-ar-voices.png"), full_page=True)

            page.click("#logout")
            page.wait_for_load_state()
            assert page.locator("#notice").inner_text() == text("logged_out", "ar")
            page.goto(server.url + "/?lang=en")
            assert page.locator("h1").inner_text() == "Reader key required"
            reader.close()
        finally:
            browser.close()
