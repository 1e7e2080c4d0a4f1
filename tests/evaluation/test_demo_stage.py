"""The demo stage evaluates the submission it is handed and passes the report folder on."""

from __future__ import annotations

import json

from rich.console import Console

from saferkit.demo import DemoContext
from saferkit.evaluation import demo_stage


def test_demo_stage_writes_a_report_and_sets_report_dir(make_submission, make_data, tmp_path):
    ctx = DemoContext(out=tmp_path / "demo", console=Console(record=True, width=200))
    ctx.out.mkdir()
    ctx.artifacts.update(submission_dir=make_submission(), data_dir=make_data())
    demo_stage.run(ctx)
    report_dir = ctx.artifacts["report_dir"]
    report = json.loads((report_dir / "report.json").read_text())
    printed = ctx.console.export_text()
    assert str(report_dir / "report.html") in printed.replace("\n", "")
    assert report["headline_summary"].split(";")[0] in printed
    assert ctx.summary and ctx.summary[0][0] == "evaluation"


def test_demo_stage_skips_without_a_submission(tmp_path):
    ctx = DemoContext(out=tmp_path, console=Console(record=True))
    demo_stage.run(ctx)
    assert "report_dir" not in ctx.artifacts and "skipped" in ctx.console.export_text()
