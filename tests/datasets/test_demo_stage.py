"""The datasets demo stage: a small biased set, shared with later stages, summarised."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from saferkit.datasets import demo_stage, load_dataset
from saferkit.demo import DemoContext


def test_demo_stage_generates_a_set_and_records_it(tmp_path: Path) -> None:
    ctx = DemoContext(out=tmp_path, console=Console(quiet=True))
    demo_stage.run(ctx)
    data_dir = ctx.artifacts["data_dir"]
    frame = load_dataset(data_dir)
    assert Path(data_dir) == tmp_path / "data"
    assert set(frame["split"]) == {"train", "val", "test", "test_balanced", "test_conflicting"}
    assert (frame["split"].isin(["train", "val", "test"])).sum() == demo_stage.DEMO_IMAGES
    wheres = {row[2] for row in ctx.summary}
    assert str(tmp_path / "data" / "DATASHEET.md") in wheres and str(tmp_path / "data" / "provenance.json") in wheres
    assert all(row[0] == "datasets" for row in ctx.summary)
