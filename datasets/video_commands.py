"""`saferkit data synth-video`: the video generator's command, added to the `data` group.

Only typer and the standard library at module level; the work is in datasets.video.
"""

from __future__ import annotations

from pathlib import Path

import typer


def synth_video(
    out: Path = typer.Argument(..., help="Folder to create (videos/, manifest.csv, provenance.json)."),
    n: int = typer.Option(8, "--n", help="Number of clips (about half positives)."),
    seed: int = typer.Option(0, "--seed", help="Global seed; the same arguments give byte-identical clips."),
    seconds: float = typer.Option(6.0, "--seconds", help="Length of each clip in seconds."),
    fps: int = typer.Option(15, "--fps", help="Frames per second."),
    size: str = typer.Option("160x120", "--size", help="WIDTHxHEIGHT in pixels (even numbers)."),
    container: str = typer.Option("mp4", "--container", help="mp4, mkv, mov, ts (H.264), avi (MPEG-4) or webm (VP8)."),
    marker_colour: str = typer.Option("palette", "--marker-colour", help="palette (as images: the shape is the signal) or red (for the redness toy model in tests and demos)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it already holds a saferkit data set."),
) -> None:
    """Generate synthetic clips (camera moves over drawn scenes, cuts, light changes; no people) with marker segments."""
    from saferkit.datasets.video import VideoConfig, generate_videos, parse_size

    width, height = parse_size(size)
    config = VideoConfig(n=n, seed=seed, seconds=seconds, fps=fps, width=width, height=height,
                         container=container.lower(), marker_colour=marker_colour)
    root, specs, digest = generate_videos(out, config, overwrite=overwrite)
    positives = sum(spec.flag for spec in specs)
    typer.echo(f"wrote {len(specs)} clips ({positives} with a marker) to {root}; manifest sha256 {digest}")


def register(app: typer.Typer) -> None:
    """Add `data synth-video` to the `data` group (registered after datasets.commands)."""
    from saferkit.datasets.commands import data_app

    data_app.command("synth-video")(synth_video)
