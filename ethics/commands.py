"""`saferkit ethics`: the template teams answer, the evaluator's review, and the qualification gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from saferkit.ethics.plan_commands import register as register_plan

ethics_app = typer.Typer(
    name="ethics",
    help="Ethics criteria, the evaluator's review, and the fail-closed scorecard that decides qualification.",
    no_args_is_help=True,
)

def results_table(card: dict[str, Any], title: str) -> Any:
    """Per-criterion results for a terminal, reasons at full width (shared by the command and the demo)."""
    from saferkit.ethics.terminal import criteria_view

    return criteria_view(card, title)


@ethics_app.command("check")
def check(
    submission: Path = typer.Argument(..., help="Submission folder or .zip (model.onnx + submission.yaml)."),
    report: Path = typer.Option(..., "--report", help="report.json written by `saferkit evaluate` for this submission."),
    review: Optional[Path] = typer.Option(None, "--review", help="Review file from `saferkit ethics review` (reviewer criteria)."),
    out: Path = typer.Option(Path("."), "--out", help="Folder for scorecard.json, scorecard.md and scorecard.html."),
    profile: Optional[Path] = typer.Option(None, "--profile", help="Profile YAML with this round's limits (default: built-in)."),
    training_data: list[Path] = typer.Option(
        [], "--training-data", help="A training data folder to match provenance hashes against (repeatable)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the verdict line."),
    key: Optional[Path] = typer.Option(
        None, "--key", help="Evaluator private key (`saferkit hub keygen`): sign the scorecard into attestation.json."
    ),
) -> None:
    """Decide every criterion and write the scorecard. Exit 0 when qualified, 1 when not, 2 on a usage error."""
    from saferkit.ethics.attestation import judge_and_write

    card, paths, attestation = judge_and_write(submission, report, out, review=review, profile=profile,
                                               training_data=training_data, key=key)
    if attestation is not None:
        Console().print(f"signed: {attestation}", highlight=False)
    console = Console()
    if not quiet:
        console.print(results_table(card, f"ethics: {card['submission']['name']} {card['submission']['version']}"))
    counts = card["counts"]
    verdict = "[bold green]QUALIFIED[/]" if card["qualified"] else "[bold red]NOT QUALIFIED[/]"
    console.print(
        f"{verdict}: {counts['pass']} pass, {counts['fail']} fail, {counts['insufficient-evidence']} insufficient evidence "
        f"(profile {card['profile']}). Scorecard: {paths['scorecard.html']}",
        highlight=False,
    )
    if not card["qualified"]:
        console.print("Required criteria not passed: " + ", ".join(card["blocking"]), highlight=False)
        raise typer.Exit(code=1)


@ethics_app.command("template")
def template_command(
    out: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of printing."),
) -> None:
    """Print the ethics questions, with help text, as YAML to paste into submission.yaml."""
    from saferkit.ethics.questions import template

    text = template()
    if out is None:
        typer.echo(text, nl=False)
        return
    from saferkit.core.atomic import write_text_atomic

    write_text_atomic(out, text)
    typer.echo(f"wrote {out}")


@ethics_app.command("review")
def review_command(
    submission: Path = typer.Argument(..., help="Submission folder or .zip to review."),
    out: Path = typer.Option(Path("review.yaml"), "--out", help="Review file to write (an earlier one for the same submission is updated)."),
    reviewer: Optional[str] = typer.Option(None, "--reviewer", help="Your name (asked for when left out)."),
    report: Optional[Path] = typer.Option(
        None, "--report", help="This submission's report.json: shows the measured results before you decide."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a review file that belongs to another submission."),
    key: Optional[Path] = typer.Option(None, "--key", help="Reviewer private key: sign the answers into REVIEW.sig."),
) -> None:
    """Walk through the reviewer criteria in the terminal and write the review file."""
    import click

    from saferkit.ethics.review_session import review_submission

    def ask(prompt: str, default: Optional[str] = None, choices: Optional[list[str]] = None) -> str:
        kind = click.Choice(choices) if choices else click.STRING
        return click.prompt(prompt, default=default, type=kind, show_choices=bool(choices), err=True)

    document = review_submission(submission, out, ask=ask, say=lambda text: typer.echo(text, err=True),
                                 reviewer=reviewer, report=report, overwrite=overwrite)
    decided = len(document["reviews"])
    if key is not None:
        from saferkit.ethics.attestation import sign_review

        typer.echo(f"signed: {sign_review(out, key, reviewer)}")
    typer.echo(f"wrote {out}: {decided} decision(s). Use it with `saferkit ethics check SUB --report ... --review {out}`.")


@ethics_app.command("sign-review")
def sign_review_command(
    review: Path = typer.Argument(..., help="The review file (from `saferkit ethics review`)."),
    key: Path = typer.Option(..., "--key", help="The reviewer's private key (`saferkit hub keygen`)."),
    reviewer: Optional[str] = typer.Option(None, "--reviewer", help="Your name, as the tool page shows it."),
) -> None:
    """Sign a review file's answers with the reviewer's key (writes REVIEW.sig); any later edit is refused."""
    from saferkit.ethics.attestation import sign_review

    typer.echo(f"signed: {sign_review(review, key, reviewer)}")


@ethics_app.command("criteria")
def criteria_command(
    kind: Optional[str] = typer.Option(None, "--kind", help="Only automatic, declared or reviewer criteria."),
    as_json: bool = typer.Option(False, "--json", help="Print the criteria as JSON."),
) -> None:
    """List the criteria: id, kind, whether required, principle and sources."""
    import json
    from dataclasses import asdict

    from saferkit.core.errors import UserError
    from saferkit.ethics.checklist import KINDS, load_criteria

    if kind is not None and kind not in KINDS:
        raise UserError(f"--kind {kind!r} is not one of {', '.join(KINDS)}.")
    chosen = [c for c in load_criteria() if kind is None or c.kind == kind]
    if as_json:
        typer.echo(json.dumps([asdict(c) for c in chosen], indent=2))
        return
    table = Table(title=f"{len(chosen)} ethics criteria")
    table.add_column("id", no_wrap=True)
    for column in ("kind", "req", "principle", "title", "sources"):
        table.add_column(column, overflow="fold")
    for c in chosen:
        sources = "; ".join(c.source_labels)
        table.add_row(c.id, c.kind, "yes" if c.required else "no", c.principle, c.title, sources)
    Console().print(table)


@ethics_app.command("profile")
def profile_command() -> None:
    """Print the built-in default profile (limits per round), to copy, edit and pass with --profile."""
    from saferkit.ethics.profile import default_profile_text

    typer.echo(default_profile_text(), nl=False)


def register(app: typer.Typer) -> None:
    """Add the `ethics` group to the root command."""
    app.add_typer(ethics_app, name="ethics")
    register_plan()
