"""The hub's demo stage: publish when qualified, say why not otherwise, always list and stop."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlparse

from rich.console import Console

from saferkit.demo import DemoContext
from saferkit.hub_plugin import demo_stage


def make_ctx(tmp_path: Path, **artifacts) -> tuple[DemoContext, Console]:
    console = Console(record=True, width=200)
    return DemoContext(out=tmp_path / "demo", console=console, artifacts=dict(artifacts)), console


def port_is_closed(url: str) -> bool:
    parsed = urlparse(url)
    with socket.socket() as sock:
        return sock.connect_ex((parsed.hostname, parsed.port)) != 0


def test_demo_publishes_a_qualified_baseline(tmp_path: Path, evaluated, evaluator):
    submission_dir, report, scorecard = evaluated()
    ctx, console = make_ctx(tmp_path, submission_dir=submission_dir, report_dir=report.parent,
                            scorecard_dir=scorecard.parent, evaluator_public_key=evaluator[1])
    demo_stage.run(ctx)
    output = console.export_text()
    assert "hub: published toy-red 1.0.0" in output and "1 tool(s)" in output
    assert ctx.artifacts["hub_url"].startswith("http://127.0.0.1:") and f"{ctx.artifacts['hub_url']}/?lang=en" in output
    assert [row[1] for row in ctx.summary] == ["published toy-red 1.0.0", "catalogue with 1 tool(s)"]
    assert (ctx.out / "hub" / "catalogue.db").is_file()
    assert port_is_closed(ctx.artifacts["hub_url"])  # the embedded hub was stopped


def test_demo_shows_why_not_and_publishes_nothing(tmp_path: Path, evaluated, evaluator):
    submission_dir, report, scorecard = evaluated(qualified=False)
    ctx, console = make_ctx(tmp_path, submission_dir=submission_dir, report_dir=report.parent,
                            scorecard_dir=scorecard.parent, evaluator_public_key=evaluator[1])
    demo_stage.run(ctx)
    output = console.export_text()
    assert "not published (qualified)" in output and "fail: fairness.worst_group_recall" in output
    assert "0 tool(s)" in output
    assert [row[1] for row in ctx.summary] == ["not published (gate refused)", "catalogue with 0 tool(s)"]


def test_demo_without_earlier_stages_says_what_is_missing(tmp_path: Path):
    ctx, console = make_ctx(tmp_path)
    demo_stage.run(ctx)
    assert "did not produce submission_dir, report_dir, scorecard_dir" in console.export_text()


def test_demo_ethics_and_hub_stages_publish_through_the_whole_signed_chain(tmp_path: Path, toy_submission, monkeypatch,
                                                                           web_login):
    """The two demo stages together: demo profile, signed review, signed scorecard, accredited, published, shown."""
    monkeypatch.delenv("SAFERKIT_HUB_REGISTRY")  # the demo's own catalogue server checks against its registry
    import sys

    import httpx

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ethics"))
    from ethics_cases import good_manifest_overrides, make_report, write_report

    from saferkit.ethics import demo_stage as ethics_stage
    from saferkit.evaluation.submission import load_submission
    from saferkit.hub_plugin.server.run import EmbeddedHub

    submission = toy_submission(**good_manifest_overrides())
    report = write_report(tmp_path / "eval", make_report(load_submission(submission).sha256))
    ctx, console = make_ctx(tmp_path, submission_dir=submission, report_dir=report.parent)
    ethics_stage.run(ctx)
    assert (ctx.out / "scorecard" / "attestation.json").is_file() and ctx.artifacts["evaluator_public_key"].is_file()
    demo_stage.run(ctx)
    output = " ".join(console.export_text().split())
    assert "signed by the demo evaluator" in output
    assert "hub: accredited evaluator saferkit demo evaluator" in output
    assert "hub: accredited evaluator saferkit demo reviewer" in output and "hub: accredited profile demo" in output
    assert "hub: published toy-red 1.0.0" in output and "evaluated by saferkit demo evaluator" in output
    assert "profile: demo version 1" in output and "reviewed by saferkit demo reviewer" in output
    with EmbeddedHub(ctx.out / "hub" / "catalogue.db") as hub:  # the catalogue the demo leaves behind
        reader = hub.catalogue.add_reader("check")
        page = httpx.get(hub.url + "/tools/toy-red?lang=en", cookies=web_login(hub.url, reader)).text
    assert "saferkit demo evaluator" in page and "saferkit demo reviewer" in page
    assert "DEMO ONLY, not a vetting profile" in page  # the profile says what it is, beside its name


def test_demo_prints_who_vetted_the_published_tool(tmp_path: Path, evaluated, evaluator):
    submission_dir, report, scorecard = evaluated()
    ctx, console = make_ctx(tmp_path, submission_dir=submission_dir, report_dir=report.parent,
                            scorecard_dir=scorecard.parent, evaluator_public_key=evaluator[1])
    demo_stage.run(ctx)
    output = " ".join(console.export_text().split())
    assert "evaluated by saferkit demo evaluator" in output and "profile: default version 1" in output
    assert "data: provenance aaaaaaaaaaaaaaaa" in output
