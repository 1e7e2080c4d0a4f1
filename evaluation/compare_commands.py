"""CLI: `saferkit compare A B --data D` and `saferkit evaluate-all SUBMISSIONS... --data D`.

Only typer and the standard library at module level; the work is in
evaluation/compare.py, evaluation/paired.py and evaluation/batch.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def compare_command(
    a: Path = typer.Argument(..., help="Submission (folder or .zip) or report folder with scores.csv: the new model."),
    b: Path = typer.Argument(..., help="Submission or report folder: the model to compare against (e.g. the baseline)."),
    data: Path = typer.Option(..., "--data", help="Data folder whose test split both are scored on."),
    metric: str = typer.Option("roc_auc", "--metric", help="Ranking metric to compare (roc_auc, pr_auc, wss_at_recall_0.95, ...)."),
    resamples: int = typer.Option(1000, "--resamples", help="Paired bootstrap resamples."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Paired difference A - B of a ranking metric on the same items, with its bootstrap interval and DeLong's test."""
    from saferkit.evaluation import compare as comparing

    first, second, result = comparing.compare(a, b, data, metric, resamples, seed)
    if as_json:
        typer.echo(json.dumps(comparing.as_json(first, second, result), indent=2))
    else:
        for line in comparing.render(first, second, result):
            typer.echo(line)


def evaluate_all_command(
    submissions: list[Path] = typer.Argument(..., help="Submission folders or .zip files."),
    data: Path = typer.Option(..., "--data", help="Data folder whose test split every submission is scored on."),
    out: Path = typer.Option(..., "--out", help="Folder for per-submission scores, results.json and board.md."),
    metric: str = typer.Option("roc_auc", "--metric", help="Ranking metric of the board."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples, drawn once and shared by every submission."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
    baseline: Optional[list[str]] = typer.Option(None, "--baseline", help="NAME=SUBMISSION: a named baseline row (repeatable)."),
) -> None:
    """Score many submissions on one data set: images decoded once, bootstrap resamples drawn once."""
    from saferkit.evaluation.batch import evaluate_all

    result = evaluate_all(submissions, data, out, metric=metric, resamples=resamples, seed=seed, baselines=baseline or [])
    typer.echo(f"scored {len(result['entries'])} submission(s) on {result['items']} items; board: {out / 'board.md'}")
    for problem in result["refused"]:
        typer.echo(f"refused {problem['source']}: {problem['reason']}")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
    app.command("evaluate-all")(evaluate_all_command)
