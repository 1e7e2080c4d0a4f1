"""`saferkit data ...`: generate synthetic sets and check data folders.

Only typer, rich and the standard library at module level; the work happens
in datasets.synth and datasets.check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from saferkit.datasets.drive_commands import synth_drive

data_app = typer.Typer(
    help="Synthetic data sets and the provenance check for your own benign proxy data.",
    no_args_is_help=True,
)


@data_app.command("synth")
def synth(
    out: Path = typer.Argument(..., help="Folder to create (images/, manifest.csv, DATASHEET.md, provenance.json)."),
    n: int = typer.Option(6000, "--n", help="Number of images across the requested splits."),
    seed: int = typer.Option(0, "--seed", help="Global seed; the same arguments give byte-identical output."),
    size: int = typer.Option(64, "--size", help="Image side in pixels."),
    splits: str = typer.Option("train=0.7,val=0.1,test=0.2", "--splits", help="Split shares, NAME=SHARE separated by commas; names train, val, test."),
    spurious: Optional[list[str]] = typer.Option(
        None, "--spurious", help="ATTR=VALUE:RHO, repeatable: in train, P(ATTR=VALUE | flag=1) = RHO and "
        "P(ATTR=VALUE | flag=0) = 1-RHO; adds test_balanced and test_conflicting splits."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it already holds a saferkit data set."),
    image_format: str = typer.Option("png", "--format", help="Image format: png or jpeg."),
    workers: int = typer.Option(0, "--workers", help="Worker processes; 0 uses every core. Does not change the output."),
) -> None:
    """Generate a synthetic triage data set with subgroup attributes, a datasheet and a provenance file."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from saferkit.datasets.plan import make_config, split_sizes
    from saferkit.datasets.synth import generate

    config = make_config(n=n, seed=seed, size=size, splits=splits, spurious=spurious or (), image_format=image_format.lower())
    console = Console(stderr=True)
    # No auto-refresh thread: worker processes are forked and must not inherit a running thread.
    with Progress(TextColumn("drawing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, auto_refresh=False, transient=True) as progress:
        task = progress.add_task("drawing", total=sum(split_sizes(config).values()))

        def advance(done: int) -> None:
            progress.advance(task, done)
            progress.refresh()

        result = generate(out, config, overwrite=overwrite, workers=workers, on_progress=advance)
    counts = ", ".join(f"{name} {count}" for name, count in result.splits.items())
    typer.echo(f"wrote {result.images} images to {result.root} ({counts}); manifest sha256 {result.manifest_sha256}")


@data_app.command("check")
def check(
    root: Path = typer.Argument(..., help="A data folder: manifest.csv or an ImageFolder layout, plus provenance.json."),
    verify_images: bool = typer.Option(False, "--verify-images", help="Also decode every image (slower)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON instead of a table."),
) -> None:
    """Check a data folder's provenance file and layout, and count images per class and split."""
    import json

    from saferkit.datasets.check import check_dataset, print_report, report_dict

    report = check_dataset(root, verify_images=verify_images)
    if as_json:
        typer.echo(json.dumps(report_dict(report), indent=2))
    else:
        print_report(report, Console())
    if not report.ok:
        raise typer.Exit(1)


data_app.command("synth-drive")(synth_drive)


def register(app: typer.Typer) -> None:
    """Add the `data` group to the root CLI."""
    app.add_typer(data_app, name="data")
