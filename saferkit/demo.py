"""`saferkit demo`: every pipeline stage that exists, on small synthetic data.

Each package contributes one stage as `<package>/demo_stage.py` with a
`run(ctx: DemoContext) -> None`. Stages run in pipeline order and hand results
to later stages through `ctx.artifacts`.
"""

from __future__ import annotations

import importlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from saferkit.core.errors import UserError

STAGE_MODULES = (
    "saferkit.datasets.demo_stage",
    "saferkit.baseline.demo_stage",
    "saferkit.hashing.demo_stage",
    "saferkit.evaluation.demo_stage",
    "saferkit.ethics.demo_stage",
    "saferkit.serving.demo_stage",
    "saferkit.serving.scan_demo_stage",
    "saferkit.serving.drive_demo_stage",
    "saferkit.hub_plugin.demo_stage",
    "saferkit.rounds.demo_stage",
)


@dataclass
class DemoContext:
    """What stages share: the output folder, a console, results so far, the summary."""

    out: Path
    console: Console
    artifacts: dict[str, Any] = field(default_factory=dict)
    summary: list[tuple[str, str, str]] = field(default_factory=list)

    def record(self, stage: str, what: str, where: str | Path) -> None:
        """Add one line to the closing summary table."""
        self.summary.append((stage, what, str(where)))


def _load_stages() -> list[tuple[str, Any]]:
    """Every listed stage must import: a renamed one fails loudly instead of silently dropping out of the demo."""
    return [(name, importlib.import_module(name)) for name in STAGE_MODULES]


def _stage_label(module_name: str) -> str:
    """'saferkit.serving.scan_demo_stage' -> 'scan'; 'saferkit.hashing.demo_stage' -> 'hashing'."""
    package, module = module_name.split(".")[-2:]
    return module.removesuffix("demo_stage").rstrip("_") or package


def run_demo(out: Path, *, overwrite: bool = True) -> DemoContext:
    """Run all stages into `out` and print a summary of what was produced and where."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise UserError(f"{out} is not empty; pass --overwrite or choose another --out.")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    console = Console()
    ctx = DemoContext(out=out.resolve(), console=console)
    for name, module in _load_stages():
        label = _stage_label(name)
        console.rule(f"[bold]{label}")
        started = time.perf_counter()
        module.run(ctx)
        console.print(f"[dim]{label} took {time.perf_counter() - started:.1f} s[/]")
    table = Table(title="saferkit demo: what was produced")
    for column in ("stage", "what", "where"):
        table.add_column(column)
    for row in ctx.summary:
        table.add_row(*row)
    console.print(table)
    return ctx
