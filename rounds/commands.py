"""CLI: `saferkit round init|spec|make-data|export|serve|work`. Light imports at module level; the work is in rounds/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

round_app = typer.Typer(help="Hackathon rounds: write and check round.yaml, print the public spec, make each phase's data, "
                        "export to Codabench, host the intake.", no_args_is_help=True)


@round_app.command("init")
def init_command(
    out: Path = typer.Option(Path("round.yaml"), "--out", help="Round file to write."),
    name: str = typer.Option("my-round", "--name", help="Round name (lower case, digits, dashes)."),
    title: str = typer.Option("A saferkit triage round", "--title", help="Round title shown on the boards."),
    start: Optional[str] = typer.Option(None, "--start", help="Development phase opening date, YYYY-MM-DD (default: today)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
) -> None:
    """Write a commented round.yaml with a fresh secret seed for the final phase."""
    from saferkit.core.atomic import write_text_atomic
    from saferkit.core.errors import UserError
    from saferkit.rounds.spec import read_round
    from saferkit.rounds.template import round_template

    if out.exists() and not overwrite:
        raise UserError(f"{out} exists; pass --overwrite or choose another --out.")
    try:
        opens = dt.date.fromisoformat(start) if start else dt.date.today()
    except ValueError:
        raise UserError(f"--start {start!r} is not a date; write YYYY-MM-DD.") from None
    write_text_atomic(out, round_template(name, title, opens, out.name))
    read_round(out)  # what init writes must validate
    typer.echo(f"wrote {out}: edit it, then `saferkit round spec {out} --out spec.yaml` gives teams what they may know.")


@round_app.command("spec")
def spec_command(
    round_file: Path = typer.Argument(..., help="round.yaml (the organiser's, or a public spec)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the public spec here instead of printing it."),
) -> None:
    """Validate a round and print what teams may know: everything but the final phase's seed and held-out settings."""
    from saferkit.core.atomic import write_text_atomic
    from saferkit.rounds.spec import read_round, spec_text

    text = spec_text(read_round(round_file))
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_text_atomic(out, text)
        typer.echo(f"wrote {out}")


@round_app.command("make-data")
def make_data_command(
    round_file: Path = typer.Argument(..., help="round.yaml (development data: a public spec is enough; final data: the organiser's file)."),
    phase: str = typer.Option(..., "--phase", help="development or final."),
    out: Path = typer.Option(..., "--out", help="Data folder to create."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing folder."),
    workers: int = typer.Option(0, "--workers", help="Drawing processes; 0: every core."),
) -> None:
    """Generate a phase's test data from its recipe (the final phase needs the secret seed and held-out settings)."""
    from saferkit.rounds.data import make_phase_data
    from saferkit.rounds.spec import read_round

    result = make_phase_data(read_round(round_file), phase, out, overwrite=overwrite, workers=workers or None)
    typer.echo(f"wrote {out}: {phase} data, {result.images} test images")


def register(app: typer.Typer) -> None:
    app.add_typer(round_app, name="round")
