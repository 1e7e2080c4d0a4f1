"""`saferkit data synth-drive OUT`: the command over `datasets.drive` (typer and the standard library only here)."""

from __future__ import annotations

from pathlib import Path

import typer


def synth_drive(
    out: Path = typer.Argument(..., help="Folder to create: drive/ (to scan), known.csv (the list), truth.json."),
    size: int = typer.Option(256, "--size", help="Side in pixels of the scenes drawn."),
    seed: int = typer.Option(0, "--seed", help="Seed of the scenes; the same arguments give the same drive."),
    fill: int = typer.Option(0, "--fill", help="Extra unlisted pictures (JPEG and PNG) to make the drive bigger."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it holds an earlier synth-drive."),
) -> None:
    """Build a drive-like folder of synthetic scenes (no people) in every format, container and disk image the
    scan reads, with a hash list of the listed scenes and the ground truth of where each one sits."""
    from saferkit.datasets.drive import build_drive

    truth = build_drive(out, size=size, seed=seed, fill=fill, overwrite=overwrite)
    typer.echo(f"wrote {out}/drive: {len(truth['listed'])} placements of listed items, "
               f"{len(truth['hostile'])} hostile or bad files; list {out}/known.csv, truth {out}/truth.json")
