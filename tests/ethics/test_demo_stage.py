"""The demo stage: checks the baseline, shows what needs a reviewer, and never stops the demo."""

from __future__ import annotations

from rich.console import Console

from saferkit.demo import DemoContext
from saferkit.ethics import demo_stage


def test_stage_judges_under_the_demo_profile_with_a_signed_review(good_case, tmp_path):
    import json

    from saferkit.ethics.attestation import read_attestation

    submission, _, report = good_case
    console = Console(record=True, width=160)
    ctx = DemoContext(out=tmp_path / "demo", console=console,
                      artifacts={"submission_dir": submission, "report_dir": report.parent})
    demo_stage.run(ctx)
    out = ctx.artifacts["scorecard_dir"]
    card = json.loads((out / "scorecard.json").read_text(encoding="utf-8"))
    assert card["profile"] == "demo" and ctx.artifacts["profile_path"].name == "demo.yaml"
    reviewer_rows = [row for row in card["criteria"] if row["kind"] == "reviewer"]
    assert reviewer_rows and all(row["result"] == "pass" for row in reviewer_rows)
    attestation = read_attestation(out / "scorecard.json")["statement"]
    assert attestation["review"]["reviewer"] == "saferkit demo reviewer" and attestation["review"]["signature"]
    assert attestation["profile"]["name"] == "demo" and "DEMO ONLY" in attestation["profile"]["content"]
    text = " ".join(console.export_text().split())
    assert "DEMO profile" in text and "never a vetting profile" in text
    assert ctx.summary and ctx.summary[0][0] == "ethics"


def test_stage_skips_without_earlier_stages(tmp_path):
    ctx = DemoContext(out=tmp_path, console=Console(record=True))
    demo_stage.run(ctx)
    assert "scorecard_dir" not in ctx.artifacts and ctx.summary == []
