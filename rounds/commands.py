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
    n: int = typer.Option(2000, "--n", help="Test images per phase (`saferkit evaluate plan` sizes it to a profile's limits)."),
    size: int = typer.Option(64, "--size", help="Image size in pixels."),
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
    write_text_atomic(out, round_template(name, title, opens, out.name, n, size))
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


@round_app.command("host")
def host_command(
    round_file: Path = typer.Argument(..., help="The organiser's round.yaml (with the final phase's secrets)."),
    folder: Path = typer.Option(..., "--folder", help="New host folder: round file, each phase's data, intake state, reports."),
    workers: int = typer.Option(0, "--workers", help="Drawing processes for the data; 0: every core."),
) -> None:
    """Set up a round's host folder (makes each phase's data, queues the baselines) and print the organiser key once."""
    from saferkit.rounds.host import RoundHost

    host = RoundHost.create(round_file, folder, workers=workers or None)
    typer.echo(f"hosting round {host.round.name} in {folder}")
    typer.echo(f"organiser key (shown once; it reveals private boards): {host.new_organiser_key()}")


@round_app.command("serve")
def serve_command(
    folder: Path = typer.Argument(..., help="Host folder from `saferkit round host`."),
    db: str = typer.Option("saferkit-hub.db", "--db", help="The hub catalogue database (SQLite file or URL) whose publisher keys are the team keys."),
    port: int = typer.Option(8700, "--port", help="Port on 127.0.0.1."),
    public_pages: bool = typer.Option(False, "--public-pages", help="Let anyone read the web pages (the round page too) without a key."),
) -> None:
    """Serve the hub with this round's intake and boards (teams submit with their publisher keys)."""
    import uvicorn

    from saferkit.hub_plugin.server.api import HubSettings
    from saferkit.hub_plugin.server.run import require_free_port
    from saferkit.hub_plugin.server.store import Catalogue
    from saferkit.rounds.host import RoundHost
    from saferkit.rounds.server import create_round_app

    host = RoundHost(folder)
    require_free_port("127.0.0.1", port)
    catalogue = Catalogue(db)
    try:
        app = create_round_app(catalogue, HubSettings(public_pages=public_pages), [(host, None)])
        typer.echo(f"round {host.round.name}: http://127.0.0.1:{port}/rounds/{host.round.name}")
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="info", timeout_graceful_shutdown=5)
    finally:
        catalogue.close()


@round_app.command("work")
def work_command(
    folder: Path = typer.Argument(..., help="Host folder from `saferkit round host`."),
    workers: int = typer.Option(1, "--workers", help="Worker processes; each evaluates one submission at a time."),
    robustness: bool = typer.Option(False, "--robustness", help="Run the robustness suite in every evaluation (slower)."),
    ray: bool = typer.Option(False, "--ray", help="Run the workers as Ray tasks (a local Ray unless --ray-address or RAY_ADDRESS)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="A Ray cluster, HOST:PORT or ray://HOST:PORT (implies --ray)."),
) -> None:
    """Evaluate every queued submission with worker processes (or Ray tasks), then stop (run it again, or from cron, for new ones)."""
    from saferkit.rounds.host import EvaluationSettings, run_workers

    settings = EvaluationSettings(robustness=robustness)
    if ray or ray_address:
        from saferkit.rounds.ray_workers import run_workers_on_ray

        done = run_workers_on_ray(folder, max(1, workers), settings, ray_address)
    else:
        done = run_workers(folder, max(1, workers), settings)
    typer.echo(f"evaluated {done} submission(s)")


@round_app.command("reveal")
def reveal_command(
    folder: Path = typer.Argument(..., help="Host folder from `saferkit round host`."),
    phase: str = typer.Option("final", "--phase", help="Phase whose board to reveal."),
) -> None:
    """Make a private board public (the organiser's own machine; the API does the same with the organiser key)."""
    from saferkit.rounds.host import RoundHost

    RoundHost(folder).reveal(phase)
    typer.echo(f"the {phase} board is now public")


@round_app.command("board")
def board_command(
    folder: Path = typer.Argument(..., help="Host folder from `saferkit round host`."),
    phase: str = typer.Option("development", "--phase", help="development or final."),
    out: Path = typer.Option(..., "--out", help="FILE.md or FILE.html"),
    registry: Optional[Path] = typer.Option(None, "--registry", help="The hub's registry of accredited evaluators and profiles "
                                            "(or $SAFERKIT_HUB_REGISTRY); without one no scorecard counts as qualified."),
) -> None:
    """Write a phase's board as the organiser sees it (private boards included); each team's best submission."""
    from saferkit.core.atomic import write_text_atomic
    from saferkit.core.errors import UserError
    from saferkit.evaluation.leaderboard import render
    from saferkit.rounds.host import RoundHost

    fmt = {".md": "md", ".html": "html"}.get(out.suffix.lower())
    if fmt is None:
        raise UserError(f"--out {out} must end in .md or .html.")
    from saferkit.hub_plugin.registry import RegistryFile, registry_from_env_or

    registry_path = registry_from_env_or(registry)
    board = RoundHost(folder).board(phase, organiser=True, registry=RegistryFile(registry_path).load() if registry_path else None)
    write_text_atomic(out, render(board, fmt))
    typer.echo(f"wrote {out} ({len(board.rows)} rows)")


@round_app.command("submit")
def submit_command(
    submission: Path = typer.Argument(..., help="Your submission folder or .zip."),
    hub: str = typer.Option(..., "--hub", help="The hub's URL, e.g. http://127.0.0.1:8700."),
    round_name: str = typer.Option(..., "--round", help="Round name (see the spec)."),
    key: str = typer.Option(..., "--key", envvar="SAFERKIT_HUB_API_KEY", help="Your team's publisher key (or set SAFERKIT_HUB_API_KEY)."),
) -> None:
    """Submit to a round: checked at once; prints the digest, the state and how many submissions you have left."""
    from saferkit.rounds.client import submit

    for line in submit(submission, hub, round_name, key):
        typer.echo(line)


@round_app.command("status")
def status_command(
    hub: str = typer.Option(..., "--hub", help="The hub's URL."),
    round_name: str = typer.Option(..., "--round", help="Round name."),
    key: str = typer.Option(..., "--key", envvar="SAFERKIT_HUB_API_KEY", help="Your team's publisher key (or set SAFERKIT_HUB_API_KEY)."),
) -> None:
    """Your submissions in a round, their states, and how many you have left per phase."""
    from saferkit.rounds.client import status

    for line in status(hub, round_name, key):
        typer.echo(line)


@round_app.command("export")
def export_command(
    round_file: Path = typer.Argument(..., help="The organiser's round.yaml."),
    to: str = typer.Option("codabench", "--to", help="Platform: codabench."),
    data: Path = typer.Option(..., "--data", help="Folder holding each phase's data as development/ and final/ (a host folder's data/)."),
    out: Path = typer.Option(..., "--out", help="Bundle folder to write (a .zip of it is written beside it)."),
    docker_image: str = typer.Option("saferkit/saferkit:latest", "--docker-image", help="Image with saferkit installed, for the scoring program."),
) -> None:
    """Write a competition bundle for a hosted platform (competition.yaml, scoring program calling the kit, reference data per phase)."""
    from saferkit.core.errors import UserError
    from saferkit.rounds.codabench import bundle_problems, export_codabench
    from saferkit.rounds.spec import read_round

    if to != "codabench":
        raise UserError(f"--to {to!r}: the kit exports to codabench.")
    bundle = export_codabench(read_round(round_file), data, out, docker_image)
    problems = bundle_problems(out)
    if problems:
        raise UserError("the bundle breaks Codabench's rules: " + "; ".join(problems))
    typer.echo(f"wrote {bundle} (upload it on Codabench); it holds the final phase's hidden data: keep it as secret as {round_file}")


def register(app: typer.Typer) -> None:
    app.add_typer(round_app, name="round")
