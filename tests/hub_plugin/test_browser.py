"""The web page in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

One browser launch, JavaScript switched off in the page (the page must not need
it): log in, load the catalogue, filter, switch to Arabic and check the layout
is right-to-left, open a tool page with its plots, and take screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from PIL import Image

from saferkit.hub_plugin.bundle import zip_bundle

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


def test_catalogue_in_headless_chromium(chromium, hub, signed_bundle, tmp_path: Path):
    from playwright.sync_api import sync_playwright

    server, publisher_key, reader_key = hub
    for bundle in (signed_bundle(), signed_bundle(name="hash-helper", listing={
            "summary": "Finds known-image hash matches.",
            "categories": {"purpose": ["hash-matching"], "technology": ["perceptual-hashing"]}})):
        assert httpx.post(server.url + "/api/v1/entries", content=zip_bundle(bundle.folder),
                          headers={"X-API-Key": publisher_key}, timeout=60).status_code == 201
    shots = Path(os.environ.get("SAFERKIT_TEST_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            java_script_enabled=False, locale="en-GB", viewport={"width": 1200, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(server.url + "/?lang=en")
            assert page.locator("h1").inner_text() == "Reader key required"
            page.fill("#key", reader_key)
            page.click("button[type=submit]")
            page.wait_for_url("**/?lang=en")
            assert page.locator("li.tool").count() == 2
            assert page.locator("#total").inner_text() == "2"

            page.select_option("select[name=category]", "hash-matching")
            page.click("#apply")
            page.wait_for_url("**category=hash-matching**")
            assert page.locator("li.tool").count() == 1
            assert page.locator("li.tool h2 a").inner_text() == "hash-helper"

            page.click("nav.languages a[lang=ar]")
            page.wait_for_url("**lang=ar**")
            html = page.locator("html")
            assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
            assert page.locator("body").evaluate("e => getComputedStyle(e).direction") == "rtl"
            assert page.locator("h1").inner_text() == "فهرس أدوات الذكاء الاصطناعي المجانية"
            assert page.locator("li.tool").count() == 1  # the filter survives the language switch
            page.screenshot(path=str(shots / "hub-catalogue-ar.png"), full_page=True)

            page.click("li.tool h2 a")
            page.wait_for_url("**/tools/hash-helper**")
            assert page.locator("html").get_attribute("dir") == "rtl"
            images = page.locator("figure img")
            assert images.count() == 2
            for index in range(2):
                assert images.nth(index).evaluate("img => img.complete && img.naturalWidth > 100")
            page.goto(server.url + "/tools/toy-red?lang=en")
            assert page.locator("html").get_attribute("dir") == "ltr"
            page.screenshot(path=str(shots / "hub-tool-en.png"), full_page=True)
        finally:
            context.close()
    for name in ("hub-catalogue-ar.png", "hub-tool-en.png"):
        with Image.open(shots / name) as shot:
            assert shot.format == "PNG" and shot.width == 1200 and shot.height >= 900
