"""The round's demo stage runs a two-team round end to end (with a tiny submission in place of the baseline)."""

from __future__ import annotations

import pytest

from pathlib import Path

from rich.console import Console

from saferkit.demo import DemoContext
from saferkit.rounds import demo_stage


@pytest.mark.slow
def test_demo_stage_runs_a_two_team_round(tmp_path, rk):
    ctx = DemoContext(out=tmp_path, console=Console(record=True, width=120))
    ctx.artifacts["submission_dir"] = rk.write_submission(tmp_path / "sub", rk.WEIGHTS["blue"], name="demo", team="team A")
    demo_stage.run(ctx)
    page = (tmp_path / "round" / "boards.html").read_text()
    assert "team A / demo 1.0.0" in page and "team B / demo-b 0.2.0" in page
    assert "(with the leader)" in page  # same model, other manifest: the paired test cannot separate them
    assert ctx.summary and ctx.summary[0][0] == "round" and "private until revealed: True" in ctx.summary[0][1]
    assert "seed" not in (tmp_path / "round" / "spec.yaml").read_text().split("final:")[1]
    assert Path(ctx.artifacts["round_dir"]) == tmp_path / "round"


def test_demo_stage_skips_without_a_submission(tmp_path):
    ctx = DemoContext(out=tmp_path, console=Console(record=True))
    demo_stage.run(ctx)
    assert "round skipped" in ctx.console.export_text() and not ctx.summary
