"""The demo stage: checks the baseline, shows what needs a reviewer, and never stops the demo."""

from __future__ import annotations

from rich.console import Console

from saferkit.demo import DemoContext
from saferkit.ethics import demo_stage


def test_stage_writes_a_scorecard_and_does_not_abort_when_not_qualified(good_case, tmp_path):
    submission, _, report = good_case
    console = Console(record=True, width=160)
    ctx = DemoContext(out=tmp_path / "demo", console=console,
                      artifacts={"submission_dir": submission, "report_dir": report.parent})
    demo_stage.run(ctx)
    assert (ctx.artifacts["scorecard_dir"] / "scorecard.json").is_file()
    text = console.export_text()
    assert "need an evaluator" in text and "not qualified" in text
    assert ctx.summary and ctx.summary[0][0] == "ethics"


def test_stage_skips_without_earlier_stages(tmp_path):
    ctx = DemoContext(out=tmp_path, console=Console(record=True))
    demo_stage.run(ctx)
    assert "scorecard_dir" not in ctx.artifacts and ctx.summary == []
