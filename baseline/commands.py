"""CLI: `saferkit baseline train|export` and `saferkit init`.

Only typer and the standard library at module level: torch, torchvision and
MLflow are imported inside the commands, so the core install (and `--help`)
never loads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from saferkit.baseline.config import (
    DEFAULT_ARCH,
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_IMG_SIZE,
    DEFAULT_SEED,
    DEFAULT_VIEWS,
    TrainConfig,
)

baseline_app = typer.Typer(
    help="The reference triage model: train a torchvision network (tracked in MLflow) and export it as a "
    "submission (ONNX + submission.yaml).",
    no_args_is_help=True,
)


@baseline_app.command("train")
def train_command(
    data: Path = typer.Argument(..., help="Data folder with provenance.json (e.g. from `saferkit data synth`)."),
    out: Path = typer.Option(..., "--out", help="Run folder to create: weights, run.json, MLflow store."),
    arch: str = typer.Option(DEFAULT_ARCH, "--arch", help="torchvision classification architecture (weights=None)."),
    epochs: int = typer.Option(DEFAULT_EPOCHS, "--epochs", help="Training epochs; the best on val is kept."),
    img_size: int = typer.Option(DEFAULT_IMG_SIZE, "--img-size", help="Square input size in pixels."),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size", help="Images per training step."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Seed; the same seed gives the same run on CPU."),
    device: str = typer.Option("auto", "--device", help="auto (GPU when present), cpu or cuda."),
    task: str = typer.Option("binary", "--task", help="binary (flagged or not) or multiclass (marker kind)."),
    tracking_uri: Optional[str] = typer.Option(
        None, "--tracking-uri", help="MLflow server URI; default: a local store inside OUT."
    ),
    lr: float = typer.Option(TrainConfig.lr, "--lr", help="Peak learning rate (one-cycle schedule, AdamW)."),
    workers: Optional[int] = typer.Option(
        None, "--workers", help="DataLoader worker processes (default: 2 with a GPU, 0 on CPU)."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it is not empty."),
) -> None:
    """Train on DATA's train split, choose the checkpoint on its val split (test is never read)."""
    from saferkit.baseline.training import train

    config = TrainConfig(
        arch=arch, epochs=epochs, img_size=img_size, batch_size=batch_size, seed=seed, device=device,
        task=task, tracking_uri=tracking_uri, lr=lr, workers=workers,
    )
    train(data, out, config, overwrite=overwrite)


@baseline_app.command("export")
def export_command(
    run: Path = typer.Argument(..., help="Run folder written by `saferkit baseline train`."),
    out: Path = typer.Option(..., "--out", help="Submission folder to create (model.onnx, submission.yaml, README.md)."),
    quantize: Optional[str] = typer.Option(
        None, "--quantize", help="int8: static INT8 calibrated on val; kept only if val ROC-AUC drops <= 0.005."
    ),
    manifest: Optional[Path] = typer.Option(
        None, "--manifest", help="Your submission.yaml template: its name, team, licence, model card and ethics "
        "answers replace the baseline's."
    ),
    data: Optional[Path] = typer.Option(None, "--data", help="The run's data folder, if it has moved since training."),
    views: int = typer.Option(
        DEFAULT_VIEWS, "--views", help="Average the probabilities over 1, 2, 4 or 8 turns and mirrors of each image "
        "(that many network passes per image)."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it is not empty."),
) -> None:
    """Export RUN to ONNX, prove parity with PyTorch, choose the threshold on val, write a valid submission."""
    from saferkit.baseline.export import export_submission

    export_submission(run, out, quantize=quantize, template=manifest, data_dir=data, views=views, overwrite=overwrite)


def init_command(
    directory: Path = typer.Argument(..., help="Folder for the new team project."),
    name: Optional[str] = typer.Option(None, "--name", help="Tool name for submission.yaml (default: the folder name)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace DIRECTORY if it is not empty."),
) -> None:
    """Start a team project: an editable training script, a submission.yaml template and the path to a submission."""
    from saferkit.baseline.scaffold import scaffold

    scaffold(directory, name=name, overwrite=overwrite)


def register(app: typer.Typer) -> None:
    """Add the `baseline` group and the top-level `init` command."""
    app.add_typer(baseline_app, name="baseline")
    app.command("init")(init_command)
