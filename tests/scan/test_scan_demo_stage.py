"""The demo stage scans the synthetic set with the model and the hash list and writes the report."""

from __future__ import annotations

import io

from rich.console import Console

from saferkit.demo import DemoContext
from saferkit.serving import scan_demo_stage
from saferkit.serving.scan import store


def test_demo_stage_scans_and_reports(tmp_path, toy_submission, hashlist_for):
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate

    data = generate(tmp_path / "data", make_config(n=24, seed=2, size=32), workers=1).root
    known = sorted((data / "images").rglob("*.png"))[:2] or sorted(data.rglob("*.jp*g"))[:2]
    ctx = DemoContext(out=tmp_path / "demo", console=Console(file=io.StringIO()))
    ctx.out.mkdir()
    ctx.artifacts.update(data_dir=data, submission_dir=toy_submission(), hashlist_path=hashlist_for(known, []))
    scan_demo_stage.run(ctx)
    scan_dir = ctx.artifacts["scan_dir"]
    summary = store.read_json(scan_dir / store.SUMMARY_NAME)
    assert summary["complete"] and summary["hash_hits"] == len(known) == 2
    assert summary["models"]["toy-red@1.0.0"]["scored"] == summary["images_hashed"] - 2
    report = ctx.out / "scan-report.html"
    assert report.is_file() and "share skipped" in report.read_text(encoding="utf-8")  # labels from manifest.csv
    assert [row[0] for row in ctx.summary] == ["scan", "scan"]


def test_demo_stage_without_data_does_nothing(tmp_path):
    ctx = DemoContext(out=tmp_path, console=Console(file=io.StringIO()))
    scan_demo_stage.run(ctx)
    assert "scan_dir" not in ctx.artifacts and ctx.summary == []
