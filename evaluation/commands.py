"""CLI: `saferkit submission check|schema`, `saferkit evaluate [run|plan]`, `saferkit leaderboard`.

Only typer, rich and the standard library at module level; the work is in the
evaluation modules, imported inside each command. `evaluate` is a group whose
default sub-command is `run`, so `saferkit evaluate SUB --data D --out R` keeps
working next to `saferkit evaluate plan` (which ethics/plan_commands.py adds: it
reads profiles, and ethics sits above evaluation in the import graph).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from typer.core import TyperGroup

HELP_FLAGS = ("--help", "-h")


class DefaultRunGroup(TyperGroup):
    """A group that runs `run` when the first argument is not one of its sub-commands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in HELP_FLAGS:
            args = ["run", *args]
        return super().parse_args(ctx, args)


evaluate_app = typer.Typer(
    cls=DefaultRunGroup, no_args_is_help=True, rich_markup_mode=None,
    help="Score a submission (`saferkit evaluate SUB --data DATA --out REPORT`, the default `run`), "
    "or size the test data to a profile's limits (`saferkit evaluate plan`).",
)

submission_app = typer.Typer(help="Check a submission folder or .zip, or print the submission.yaml schema.", no_args_is_help=True)


@submission_app.command("check")
def check(
    submission: Path = typer.Argument(..., help="Submission folder or .zip (model.onnx + submission.yaml)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """List every problem with a submission before anything runs (exit 1 when there are any)."""
    from saferkit.evaluation.check import check_submission

    result = check_submission(submission)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        console = Console()
        for problem in result.problems:
            console.print(f"[red]problem[/] {problem.where}: {problem.message}", highlight=False, soft_wrap=True)
        for warning in result.warnings:
            console.print(f"[yellow]warning[/] {warning.where}: {warning.message}", highlight=False, soft_wrap=True)
        if result.ok:
            console.print(f"[green]ok[/] {submission}: {result.info.get('task')} with labels {result.info.get('labels')}, sha256 {result.info.get('sha256')}", highlight=False)
        else:
            console.print(f"{len(result.problems)} problem(s) in {submission}", highlight=False)
    if not result.ok:
        raise typer.Exit(1)


@submission_app.command("schema")
def schema(out: Optional[Path] = typer.Option(None, "--out", help="Write the schema to this file instead of printing it.")) -> None:
    """Print (or write) the JSON Schema that submission.yaml must follow."""
    from saferkit.evaluation.submission import submission_schema

    text = json.dumps(submission_schema(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


def evaluate_command(
    submission: Path = typer.Argument(..., help="Submission folder or .zip."),
    data: Path = typer.Option(..., "--data", help="Data folder with provenance.json and a test split (e.g. from `saferkit data synth`)."),
    out: Path = typer.Option(..., "--out", help="Report folder to create (report.json, report.html, report.md, MLflow store)."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples for every interval."),
    seed: int = typer.Option(0, "--seed", help="Seed for the bootstrap and the robustness transforms."),
    min_group_size: int = typer.Option(30, "--min-group-size", help="Groups smaller than this are reported as too few to estimate."),
    transforms: Optional[str] = typer.Option(None, "--transforms", help="Comma-separated robustness transforms (default: all)."),
    severities: str = typer.Option("1,3,5", "--severities", help="Comma-separated severities 1-5 for each transform."),
    robustness_max_items: int = typer.Option(2000, "--robustness-max-items", help="Run the robustness suite on a stratified subset of this many test items (0: all)."),
    no_robustness: bool = typer.Option(False, "--no-robustness", help="Skip the robustness suite (the report marks the section as skipped)."),
    no_efficiency: bool = typer.Option(False, "--no-efficiency", help="Skip latency/throughput timing."),
    no_intersections: bool = typer.Option(False, "--no-intersections", help="Skip pairs of attributes in the bias section."),
    private: bool = typer.Option(False, "--private", help="Aggregates only: no file names, no per-item scores, no images."),
    sign_key: Optional[Path] = typer.Option(None, "--sign-key", help="With --private: also write field-report.json (aggregates only, small groups suppressed) signed with this agency key."),
    provider: str = typer.Option("auto", "--provider", help="onnxruntime provider: auto, cpu or cuda."),
    batch_size: int = typer.Option(64, "--batch-size", help="Images per model call."),
    workers: int = typer.Option(0, "--workers", help="Scoring threads; 0 uses every core."),
    tracking_uri: Optional[str] = typer.Option(None, "--tracking-uri", help="MLflow tracking URI (default: sqlite store inside OUT)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing report folder."),
) -> None:
    """Score a submission: ranking, triage workload, calibration, bias, robustness, efficiency, claims."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from saferkit.core.errors import UserError
    from saferkit.evaluation.evaluate import EvaluationConfig
    from saferkit.evaluation.evaluate import Progress as Callbacks
    from saferkit.evaluation.evaluate import evaluate

    if sign_key is not None and not private:
        raise UserError("--sign-key writes field evidence, which is aggregate-only: add --private.")
    try:
        severity_list = tuple(int(s) for s in severities.split(",") if s.strip())
    except ValueError:
        raise UserError(f"--severities {severities!r} must be comma-separated integers from 1 to 5.") from None
    if not severity_list or any(s not in range(1, 6) for s in severity_list):
        raise UserError(f"--severities {severities!r} must be comma-separated integers from 1 to 5.")
    config = EvaluationConfig(
        seed=seed, bootstrap_resamples=resamples, min_group_size=min_group_size, intersections=not no_intersections,
        robustness=not no_robustness, transforms=tuple(t.strip() for t in transforms.split(",")) if transforms else None,
        severities=severity_list, robustness_max_items=robustness_max_items or None, efficiency=not no_efficiency, private=private,
        provider=provider, batch_size=batch_size, workers=workers or None, tracking_uri=tracking_uri, overwrite=overwrite,
    )
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True) as bars:
        state: dict[str, TaskID | None] = {"task": None}

        def start(label: str, total: int) -> None:
            if state["task"] is not None:
                bars.remove_task(state["task"])
            state["task"] = bars.add_task(label, total=total)

        def advance(n: int) -> None:
            if state["task"] is not None:
                bars.advance(state["task"], n)

        result = evaluate(submission, data, out, config, Callbacks(start=start, advance=advance, note=lambda text: console.print(f"[dim]{text}[/]")))
    typer.echo(f"report: {result.out / 'report.html'}")
    typer.echo(result.report["headline_summary"])
    for section in result.invalid:
        typer.echo(f"section marked invalid: {section['section']}: {section['reason']}")
    if sign_key is not None:
        from saferkit.evaluation.private_report import write_field_report

        typer.echo(f"field report: {write_field_report(result.out, sign_key, min_group_size)}")


def leaderboard_command(
    reports: list[Path] = typer.Argument(..., help="Report folders (or report.json files) from `saferkit evaluate`."),
    out: Path = typer.Option(..., "--out", help="FILE.html or FILE.md"),
    metric: str = typer.Option("roc_auc", "--metric", help="Metric to rank on (any headline metric, recall, worst_group_recall, qualified, ...)."),
    baseline: Optional[list[str]] = typer.Option(None, "--baseline", help="NAME=REPORT: a report shown as the named baseline row (repeatable)."),
    data_provenance: Optional[str] = typer.Option(None, "--data-provenance", help="Board for the data set with this provenance digest (prefix); default: the one most reports share."),
) -> None:
    """Rank submissions of one data set; entries a paired test cannot tell from the leader share rank 1."""
    from saferkit.core.errors import UserError
    from saferkit.evaluation.leaderboard import build_board, render

    named: dict[str, str | Path] = {}
    for item in baseline or []:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UserError(f"--baseline {item!r} must be NAME=REPORT, e.g. --baseline kit-baseline=reports/baseline.")
        named[name] = path
    fmt = {".html": "html", ".htm": "html", ".md": "md"}.get(out.suffix.lower())
    if fmt is None:
        raise UserError(f"--out {out} must end in .html or .md.")
    board = build_board(list[str | Path](reports), metric, named, data_provenance)
    from saferkit.core.atomic import write_text_atomic

    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, render(board, fmt))
    typer.echo(f"wrote {out} ({len(board.rows)} entries ranked on {metric}; data set {str(board.data_provenance_sha256)[:12]})")
    for apart in board.set_apart:
        typer.echo(f"set apart: {apart['report']}: {apart['reason']}")


def register(app: typer.Typer) -> None:
    app.add_typer(submission_app, name="submission")
    evaluate_app.command("run")(evaluate_command)
    app.add_typer(evaluate_app, name="evaluate")
    app.command("leaderboard")(leaderboard_command)
