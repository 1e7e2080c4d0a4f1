"""`saferkit evaluate plan`: size the test data to a profile's limits (and optionally make it).

The command lives with the profiles it reads; it joins the `evaluate` group
that evaluation/commands.py defines, so users find it next to `evaluate run`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def plan_command(
    profile: Optional[Path] = typer.Option(None, "--profile", help="Profile YAML whose limits the plan serves (default: the built-in default profile)."),
    margin: float = typer.Option(0.05, "--margin", help="Assumed distance of a good model's true value inside each limit."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals the criteria judge."),
    out: str = typer.Option("eval-data", "--out", help="Folder name used in the printed `data synth` command."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    make_data: Optional[Path] = typer.Option(None, "--make-data", help="Also generate the planned evaluation data here (test split and its --spurious variants)."),
    seed: int = typer.Option(1, "--seed", help="Seed for --make-data (use another seed than your training data's)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="With --make-data: replace an existing data set."),
) -> None:
    """How many test items each criterion needs to resolve its limit, and the `data synth` line that makes them."""
    from saferkit.core.errors import UserError
    from saferkit.ethics.profile import load_profile
    from saferkit.ethics.plan import PlanAssumptions, plan_evaluation, render_plan

    if not 0 < margin < 1 or not 0.5 <= confidence < 1:
        raise UserError(f"--margin {margin:g} must be in (0, 1) and --confidence {confidence:g} in [0.5, 1); e.g. --margin 0.05 --confidence 0.95.")
    plan = plan_evaluation(load_profile(profile), PlanAssumptions(margin=margin, confidence=confidence))
    if as_json:
        typer.echo(json.dumps(plan.to_json(), indent=2))
    else:
        typer.echo(render_plan(plan, str(make_data or out)))
    if make_data is not None:
        from saferkit.datasets.plan import make_config
        from saferkit.datasets.synth import generate
        from saferkit.ethics.plan import DEFAULT_SPURIOUS, evaluation_synth_split

        n, splits = evaluation_synth_split(plan.test_items)
        result = generate(make_data, make_config(n=n, seed=seed, splits=splits, spurious=[DEFAULT_SPURIOUS]), overwrite=overwrite)
        counts = ", ".join(f"{name} {count}" for name, count in result.splits.items())
        typer.echo(f"wrote {result.images} images to {result.root} ({counts})", err=True)


def register() -> None:
    """Add `plan` to the `evaluate` group."""
    from saferkit.evaluation.commands import evaluate_app

    evaluate_app.command("plan")(plan_command)
