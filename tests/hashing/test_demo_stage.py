"""The demo stage runs on its own (procedural fallback) and reports a real match rate."""

from __future__ import annotations

import csv

from rich.console import Console

from saferkit.demo import DemoContext
from saferkit.hashing import demo_stage


def test_demo_stage_lists_a_sample_and_matches_edited_copies(tmp_path, monkeypatch):
    monkeypatch.setattr(demo_stage, "LIST_SAMPLE", 4)
    monkeypatch.setattr(demo_stage, "DECOYS", 4)
    console = Console(record=True, width=200)
    ctx = DemoContext(out=tmp_path, console=console)
    demo_stage.run(ctx)
    list_path = ctx.artifacts["hashlist_path"]
    entries = list(csv.DictReader(open(list_path)))
    assert len(entries) == 4 * 3 and {e["hash_type"] for e in entries} == {"md5", "pdq", "phash"}
    output = console.export_text()
    assert "match rate:" in output
    matched = {r["path"] for r in csv.DictReader(open(tmp_path / "hashing" / "matches.csv"))}
    assert matched and all("listed-" in path for path in matched)  # decoys never match
    assert [row[0] for row in ctx.summary] == ["hashing"] * 3
