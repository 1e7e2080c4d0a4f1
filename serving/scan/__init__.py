"""Bulk scan of seized media: hash, match against lists, rank with models, report for review.

`run_scan(ScanOptions(...))` scans a folder or a file list into a result folder
of Parquet shards (resumable), with the local process engine or Ray Data;
`write_report(result, out)` writes the reviewer-safe triage report. See
docs/scan.md. Imports here stay light; engines load their libraries when used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ScanOptions", "run_scan", "write_report"]


def __getattr__(name: str) -> Any:
    if name in ("ScanOptions", "run_scan"):
        from saferkit.serving.scan import runner

        return getattr(runner, name)
    if name == "write_report":
        from saferkit.serving.scan.report import write_report

        return write_report
    raise AttributeError(f"module 'saferkit.serving.scan' has no attribute {name!r}")
