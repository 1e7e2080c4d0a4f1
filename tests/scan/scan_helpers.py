"""Shared by the scan tests: run a scan in this process and read its rows."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.console import Console

from saferkit.serving.scan import store
from saferkit.serving.scan.runner import ScanOptions, run_scan


def scan(out: Path, source: Path, **options: Any) -> dict[str, Any]:
    """Run `saferkit scan` in-process without a progress bar; returns the summary."""
    return run_scan(ScanOptions(out=out, source=source, progress=False, **options), Console(file=io.StringIO()))


def rows_by_name(out: Path) -> dict[str, dict[str, Any]]:
    return {Path(row["path"]).name: row for row in store.read_rows(out).to_pylist()}
