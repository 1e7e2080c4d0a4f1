"""The triage report: hits first, then the ranking and skip counts; paths and hashes, never media."""

from __future__ import annotations

import base64
import io
import os
import re

import numpy as np
import pytest
from PIL import Image, ImageFilter
from scan_helpers import scan

from saferkit.core.errors import UserError
from saferkit.serving.scan import store
from saferkit.serving.scan.previews import PREVIEW_SIDE
from saferkit.serving.scan.report import write_report
from saferkit.evaluation.operating_point import threshold_for_recall


@pytest.fixture
def result(tmp_path, image_folder, hashlist_for, toy_submission):
    folder = image_folder(10, bad=True)
    images = sorted(folder.rglob("img*"))
    hashlist = hashlist_for([images[0]], [images[1]])
    out = tmp_path / "result"
    scan(out, folder, models=[toy_submission()], hashlists=[hashlist], workers=0, shard_size=4, batch_size=2)
    return out


def _sharpness(image: Image.Image) -> float:
    return float(np.asarray(image.convert("L").filter(ImageFilter.FIND_EDGES), dtype=np.float64).var())


def test_report_lists_hits_then_ranking_with_skip_counts_and_no_media(result, tmp_path):
    html_path = tmp_path / "report.html"
    triage = write_report(result, html_path)
    html = html_path.read_text(encoding="utf-8")
    rows = store.read_rows(result).to_pylist()
    assert "data:image" not in html and "<img" not in html  # previews are off by default
    hits = [r for r in rows if r["matches"]]
    assert len(hits) == 2
    first_ranked = html.index("2. Model ranking")
    for row in hits:
        assert row["path"] in html and html.index(row["path"]) < first_ranked
    assert html.index("known.csv · category cat-md5 · 1 file") < html.index("known.csv · category cat-pdq") < first_ranked
    scored = sorted((r for r in rows if r["scores"]), key=lambda r: -r["scores"][0]["score"])
    positions = [html.index(r["path"], first_ranked) for r in scored]
    assert positions == sorted(positions)  # highest score first
    threshold = 0.5  # the toy model's declared operating point
    review = sum(1 for r in scored if r["scores"][0]["score"] >= threshold)
    assert (triage.to_review, triage.can_skip, triage.threshold) == (review, len(scored) - review, threshold)
    assert f"looks at\n<b>{review}</b> files and can leave <b>{len(scored) - review}</b>" in html
    assert "zero_byte: 1 file is empty" in html and "symlink_loop: 2 files" in html
    assert "<th>hashes</th><td>MD5, SHA-1 and SHA-256 of every file; pdq of every picture and frame</td>" in html
    for row in rows:  # every hit, ranked file or problem with a digest is identified by it
        if row["sha256"] and (row["matches"] or row["scores"] or row["error"]):
            assert row["sha256"][:16] in html


def test_previews_are_tiny_grey_blurred_and_shown_only_on_click(result, tmp_path):
    html_path = tmp_path / "report.html"
    triage = write_report(result, html_path, previews=True)
    html = html_path.read_text(encoding="utf-8")
    assert "<img" not in html  # nothing is displayed until a reviewer clicks
    uris = re.findall(r'data-src="data:image/jpeg;base64,([^"]+)"', html)
    listed = [row for group in triage.hits for row in group["rows"]] + triage.ranking
    assert len(uris) == len(listed) > 0
    for encoded, row in zip(uris, listed):
        preview = Image.open(io.BytesIO(base64.b64decode(encoded)))
        assert preview.mode == "L" and max(preview.size) <= PREVIEW_SIDE
        with Image.open(row["path"]) as original:
            sharp = original.convert("L")
            sharp.thumbnail(preview.size)
        assert _sharpness(preview) < _sharpness(sharp) / 2  # blurred, not just shrunk
    assert "hide();" in html  # showing one preview hides the previous


def test_a_file_changed_since_the_scan_gets_no_preview(result, tmp_path):
    top = write_report(result, tmp_path / "a.html").ranking[0]["path"]
    Image.new("RGB", (20, 20), (250, 0, 0)).save(top, format="PNG")
    triage = write_report(result, tmp_path / "b.html", previews=True)
    [row] = [r for r in triage.ranking if r["path"] == top]
    assert row["preview"] is None and "changed since the scan" in row["no_preview"]


def test_explicit_threshold_and_model_choice(result, tmp_path):
    triage = write_report(result, tmp_path / "r.html", threshold=0.0)
    assert triage.can_skip == 0 and triage.to_review == triage.ranked_total
    with pytest.raises(UserError, match="no model 'other'"):
        write_report(result, tmp_path / "r.html", model="other")
    with pytest.raises(UserError, match="holds no scan result"):
        write_report(tmp_path, tmp_path / "r.html")
    with pytest.raises(UserError, match="--recall"):
        write_report(result, tmp_path / "r.html", recall=1.5)


def test_threshold_for_recall_keeps_the_requested_share_of_positives():
    scores = [0.9, 0.8, 0.7, 0.1]
    assert threshold_for_recall(scores, 0.5) == 0.8
    assert threshold_for_recall(scores, 0.75) == 0.7
    assert threshold_for_recall(scores, 1.0) == 0.1
    assert threshold_for_recall([], 0.9) is None


def test_labels_measure_the_threshold_that_keeps_the_chosen_recall(tmp_path, toy_submission):
    from saferkit.datasets import load_dataset
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate

    data = generate(tmp_path / "data", make_config(n=40, seed=1, size=32), workers=1).root
    out = tmp_path / "result"
    scan(out, data, models=[toy_submission()], workers=0, shard_size=64)
    triage = write_report(out, tmp_path / "r.html", labels_root=data, recall=0.9)
    frame = load_dataset(data)
    flags = dict(zip(frame["abspath"], frame["flag"]))
    scores = {r["path"]: r["scores"][0]["score"] for r in store.read_rows(out).to_pylist() if r["scores"]}
    positives = [s for p, s in scores.items() if flags.get(p) == 1]
    assert positives and triage.threshold == threshold_for_recall(positives, 0.9)
    kept = sum(1 for s in positives if s >= triage.threshold) / len(positives)
    assert kept >= 0.9
    assert triage.to_review == sum(1 for s in scores.values() if s >= triage.threshold)
    assert [m["recall"] for m in triage.measured] == [0.8, 0.9, 0.95, 0.99]
    assert "measured on" in triage.threshold_source
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "share skipped" in html


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="needs Debian's chromium at /usr/bin/chromium")
def test_in_a_browser_previews_appear_one_at_a_time_only_on_click(result, tmp_path):
    from playwright.sync_api import sync_playwright

    html_path = tmp_path / "report.html"
    write_report(result, html_path, previews=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(html_path.as_uri())
            buttons = page.locator("button.reveal")
            assert page.locator("img").count() == 0 and buttons.count() > 2
            buttons.nth(0).click()
            assert page.locator("img").count() == 1
            buttons.nth(2).click()  # showing another hides the first
            assert page.locator("img").count() == 1 and buttons.nth(0).is_visible()
            page.locator("button.hide").click()
            assert page.locator("img").count() == 0
        finally:
            browser.close()
