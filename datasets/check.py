"""`saferkit data check DIR`: is this folder usable, and what is in it?

Reports every provenance problem at once (not just the first), the layout,
and counts per class and split, so a user can fix a folder in one go.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from saferkit.datasets.manifest import MANIFEST_NAME
from saferkit.datasets.provenance import PROVENANCE_NAME, provenance_problems
from saferkit.core.errors import UserError


@dataclass
class CheckReport:
    """The outcome of checking one data folder."""

    root: Path
    provenance_problems: list[str] = field(default_factory=list)
    layout: str = ""
    layout_error: str = ""
    counts: Counter = field(default_factory=Counter)  # (split, class, flag) -> images
    missing_files: list[str] = field(default_factory=list)
    unreadable_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.provenance_problems or self.layout_error or self.missing_files or self.unreadable_files)


def _read_provenance(root: Path) -> tuple[dict[str, Any], list[str]]:
    path = root / PROVENANCE_NAME
    if not path.is_file():
        return {}, [f"no {PROVENANCE_NAME} (the kit reads only synthetic or permitted benign-proxy data)"]
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [f"{PROVENANCE_NAME} is not valid JSON ({exc})"]
    return (record if isinstance(record, dict) else {}), provenance_problems(record)


def _unreadable(paths: list[str]) -> list[str]:
    """The files the kit's one decode cannot read (as training and evaluation would decode them)."""
    from saferkit.core.media import MediaError, load_rgb

    bad = []
    for path in paths:
        try:
            load_rgb(path)
        except MediaError:
            bad.append(path)
    return bad


def check_dataset(root: str | Path, *, verify_images: bool = False) -> CheckReport:
    """Check provenance and layout of `root` and count its images; never raises for a bad folder."""
    from saferkit.datasets.loader import dataset_rows

    root = Path(root)
    report = CheckReport(root=root)
    if not root.is_dir():
        report.layout_error = f"{root} is not a folder"
        report.provenance_problems = [f"no {PROVENANCE_NAME}"]
        return report
    provenance, report.provenance_problems = _read_provenance(root)
    report.layout = MANIFEST_NAME if (root / MANIFEST_NAME).is_file() else "ImageFolder"
    try:
        frame = dataset_rows(root, provenance)
    except UserError as exc:
        report.layout_error = str(exc)
        return report
    report.counts = Counter(zip(frame["split"], frame["category"], frame["flag"]))
    exists = [Path(p).is_file() for p in frame["abspath"]]
    report.missing_files = [p for p, ok in zip(frame["path"], exists) if not ok]
    if verify_images:
        present = [a for a, ok in zip(frame["abspath"], exists) if ok]
        report.unreadable_files = _unreadable(present)
    return report


def report_dict(report: CheckReport) -> dict[str, Any]:
    """The check result as plain data (for `data check --json` and scripts)."""
    return {
        "root": str(report.root),
        "ok": report.ok,
        "layout": report.layout,
        "provenance_problems": report.provenance_problems,
        "layout_error": report.layout_error,
        "missing_files": report.missing_files,
        "unreadable_files": report.unreadable_files,
        "counts": [
            {"split": split, "class": category, "flag": int(flag), "images": count}
            for (split, category, flag), count in sorted(report.counts.items())
        ],
        "total": sum(report.counts.values()),
    }


def print_report(report: CheckReport, console: Console) -> None:
    """Human-readable check result: verdict, problems, then counts per split and class."""
    verdict = "[bold green]valid[/]" if report.ok else "[bold red]NOT usable[/]"
    say = lambda text: console.print(text, highlight=False, soft_wrap=True)  # noqa: E731 - one-liner helper
    say(f"{report.root}: {verdict} ({report.layout or 'no layout'})")
    if report.provenance_problems:
        say(f"provenance: {len(report.provenance_problems)} problem(s)")
        for problem in report.provenance_problems:
            say(f"  - {problem}")
    else:
        say("provenance: ok")
    if report.layout_error:
        say(f"layout: {report.layout_error}")
    if report.missing_files:
        say(f"missing files: {len(report.missing_files)} (e.g. {report.missing_files[0]})")
    if report.unreadable_files:
        say(f"unreadable images: {len(report.unreadable_files)} (e.g. {report.unreadable_files[0]})")
    if report.counts:
        table = Table(title="images per split and class")
        for column in ("split", "class", "flag", "images"):
            table.add_column(column, justify="right" if column in ("flag", "images") else "left")
        for (split, category, flag), count in sorted(report.counts.items()):
            table.add_row(split, category, str(flag), str(count))
        total = sum(report.counts.values())
        table.add_row("all", "all", "", str(total))
        console.print(table)
