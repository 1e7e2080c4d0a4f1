"""Your team's model, starting from the saferkit baseline. Edit this file.

    python train.py train DATA --out runs/first         # fit on train, pick the epoch on val
    python train.py export runs/first --out submission  # ONNX + submission.yaml, checked

Three places are meant to change: `build_model` (the network), `build_augmentation`
(what varies during training) and `build_loss`. Data loading, the provenance gate,
MLflow tracking (inside the run folder), checkpoint choice on val, ONNX export with
parity checks and the val threshold come from saferkit, so the submission stays
valid whatever you change here. The test split is never read: keep it that way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from torch import nn
from torchvision.transforms import v2

from saferkit.baseline.augment import RandomRightAngleTurn, normalise
from saferkit.baseline.config import (
    DEFAULT_ARCH,
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_IMG_SIZE,
    DEFAULT_SEED,
    DEFAULT_VIEWS,
    TrainConfig,
    labels_for,
)
from saferkit.baseline.export import export_submission
from saferkit.baseline.models import VIEW_COUNTS
from saferkit.baseline.models import build_model as torchvision_model
from saferkit.baseline.training import train
from saferkit.core.errors import UserError

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "submission.yaml"
TASK = "binary"  # or "multiclass": one output per marker kind plus "none"


def build_model(num_classes: int) -> nn.Module:
    """The network, returning logits (export adds the softmax). Start: the baseline's."""
    return torchvision_model(DEFAULT_ARCH, num_classes)


def build_augmentation() -> v2.Transform:
    """Applied to each uint8 CHW training image. Keep `normalise()` last: it is what
    submission.yaml declares as the model's input preprocessing."""
    return v2.Compose(
        [
            RandomRightAngleTurn(),  # with the flip: all eight rotations and mirrors, as the baseline
            v2.RandomHorizontalFlip(),
            v2.RandomApply([v2.ColorJitter(brightness=0.25, contrast=0.25, saturation=0.25)], p=0.5),
            normalise(),
        ]
    )


def build_loss() -> nn.Module:
    """Loss on (logits, class index). Start: the baseline's (label smoothing 0.1); try class weights here."""
    return nn.CrossEntropyLoss(label_smoothing=0.1)


def settings(args: argparse.Namespace) -> TrainConfig:
    """Training settings; every field is logged to MLflow."""
    return TrainConfig(
        epochs=args.epochs, img_size=args.img_size, batch_size=args.batch_size, seed=args.seed,
        device=args.device, task=TASK, lr=args.lr, workers=args.workers, experiment="team-" + HERE.name,
    )


def _train(args: argparse.Namespace) -> None:
    config = settings(args)
    train(args.data, args.out, config, model=build_model(len(labels_for(TASK))),
          train_transform=build_augmentation(), loss_fn=build_loss(), overwrite=args.overwrite)


def _export(args: argparse.Namespace) -> None:
    export_submission(args.run, args.out, model=build_model(len(labels_for(TASK))), template=TEMPLATE,
                      quantize=args.quantize, data_dir=args.data, views=args.views, overwrite=args.overwrite)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("train", help="train on DATA (train split), choose the epoch on val")
    fit.add_argument("data", type=Path)
    fit.add_argument("--out", type=Path, required=True)
    fit.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    fit.add_argument("--img-size", type=int, default=DEFAULT_IMG_SIZE)
    fit.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    fit.add_argument("--seed", type=int, default=DEFAULT_SEED)
    fit.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    fit.add_argument("--lr", type=float, default=TrainConfig.lr)
    fit.add_argument("--workers", type=int, default=None, help="DataLoader workers (default: 2 with a GPU, 0 on CPU)")
    fit.add_argument("--overwrite", action="store_true")
    fit.set_defaults(handler=_train)
    out = commands.add_parser("export", help="export RUN as a submission folder")
    out.add_argument("run", type=Path)
    out.add_argument("--out", type=Path, required=True)
    out.add_argument("--quantize", choices=["int8"], default=None)
    out.add_argument("--data", type=Path, default=None, help="the run's data folder, if it has moved")
    out.add_argument("--views", type=int, choices=VIEW_COUNTS, default=DEFAULT_VIEWS,
                     help="average the probabilities over this many turns and mirrors of each image")
    out.add_argument("--overwrite", action="store_true")
    out.set_defaults(handler=_export)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run a sub-command; a mistake (bad data, wrong folder) prints one line, not a traceback."""
    args = parse(argv)
    try:
        args.handler(args)
    except UserError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
