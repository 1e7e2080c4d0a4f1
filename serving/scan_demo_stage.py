"""Demo stage: scan the synthetic set with the baseline and the demo hash list, then write the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEMO_SHARD_SIZE = 256


def run(ctx: Any) -> None:
    """Scan ctx.artifacts['data_dir'] into OUT/scan and write OUT/scan-report.html."""
    from saferkit.serving.scan.report import report_facts, write_report
    from saferkit.serving.scan.runner import ScanOptions, run_scan

    data_dir = ctx.artifacts.get("data_dir")
    if data_dir is None:
        ctx.console.print("[yellow]scan: no synthetic data set from an earlier stage; skipped.[/]")
        return
    submission = ctx.artifacts.get("submission_dir")
    hashlist = ctx.artifacts.get("hashlist_path")
    out = Path(ctx.out) / "scan"
    scorecard = Path(ctx.artifacts["scorecard_dir"]) / "scorecard.json" if ctx.artifacts.get("scorecard_dir") else None
    summary = run_scan(ScanOptions(
        out=out, source=Path(data_dir), models=[Path(submission)] if submission else [],
        hashlists=[Path(hashlist)] if hashlist else [], shard_size=DEMO_SHARD_SIZE, overwrite=True,
        scorecards=[scorecard] if submission and scorecard and scorecard.is_file() else [], allow_unqualified=True,
    ), ctx.console)  # the report says whether the model qualified, and under which profile (the demo's)
    ctx.artifacts["scan_dir"] = out
    labels = Path(data_dir) if (Path(data_dir) / "manifest.csv").is_file() else None
    report = Path(ctx.out) / "scan-report.html"
    facts = report_facts(write_report(out, report, labels_root=labels))
    ctx.record("scan", f"{summary['files_done']} files scanned, {summary['hash_hits']} hash-list hits, "
                       f"{summary['errors_total']} with problems (Parquet shards)", out)
    ctx.record("scan", f"triage report: {facts['to_review']} to review, {facts['can_skip']} can be skipped", report)
