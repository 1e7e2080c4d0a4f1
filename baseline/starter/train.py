"""Your team's model, starting from the saferkit baseline. Edit this file.

    python train.py train DATA --out runs/first                   # fit on train, pick the epoch on val
    python train.py train DATA --out runs/r18 --arch resnet18     # any torchvision classifier, random weights
    python train.py export runs/first --out submission            # ONNX + submission.yaml, checked
    python train.py export runs/first --out submission --logits   # the same model emitting logits

Three places are meant to change: `build_model` (the network), `build_augmentation`
(what varies during training, applied to whole batches: as fast per epoch as
`saferkit baseline train` for the same network) and `build_loss`. Data loading, the provenance gate,
MLflow tracking (inside the run folder), checkpoint choice on val, ONNX export with
parity checks and the val threshold come from saferkit, so the submission stays
valid whatever you change here. The test split is never read: keep it that way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import nn

from saferkit.baseline.augment import BatchAugment
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


def build_model(num_classes: int, arch: str = DEFAULT_ARCH) -> nn.Module:
    """The network, returning logits (export adds the softmax). Start: any torchvision
    classifier by name (`--arch`), built with random weights (weights=None)."""
    return torchvision_model(arch, num_classes)


def build_augmentation() -> nn.Module:
    """Applied to each uint8 NCHW training batch; returns the normalised float batch that
    submission.yaml declares as the model's input. Start: the baseline's (all eight turns
    and mirrors, colour jitter with probability 0.5), drawn per image but run per batch."""
    return BatchAugment(jitter=0.25, jitter_p=0.5)


def build_loss() -> nn.Module:
    """Loss on (logits, class index). Start: the baseline's (label smoothing 0.1); try class weights here."""
    return nn.CrossEntropyLoss(label_smoothing=0.1)


def settings(args: argparse.Namespace) -> TrainConfig:
    """Training settings; every field is logged to MLflow."""
    return TrainConfig(
        epochs=args.epochs, img_size=args.img_size, batch_size=args.batch_size, seed=args.seed,
        device=args.device, task=TASK, lr=args.lr, workers=args.workers, experiment="team-" + HERE.name,
        arch=args.arch,
    )


def _train(args: argparse.Namespace) -> None:
    config = settings(args)
    train(args.data, args.out, config, model=build_model(len(labels_for(TASK)), args.arch),
          batch_transform=build_augmentation(), loss_fn=build_loss(), overwrite=args.overwrite)


def _export(args: argparse.Namespace) -> None:
    from saferkit.baseline.runs import read_finished_run

    arch = read_finished_run(args.run).record["config"]["arch"]  # rebuild the network the run trained (--arch)
    model = build_model(len(labels_for(TASK)), arch)
    export_submission(args.run, args.out, model=model, template=TEMPLATE,
                      quantize=args.quantize, data_dir=args.data, views=args.views, overwrite=args.overwrite)
    if args.logits:
        if args.quantize:
            raise UserError("--logits exports the float32 model; leave out --quantize.")
        to_logits(args.out, model, args.views)


class LogitsOf(nn.Module):
    """log of the (view-averaged) probabilities: logits whose softmax is exactly the exported probabilities,
    so the threshold and claims measured on val stay true."""

    def __init__(self, model: nn.Module, views: int) -> None:
        super().__init__()
        from saferkit.baseline.models import WithSoftmax

        self.probabilities = WithSoftmax(model, views)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.log(self.probabilities(images).clamp_min(1e-12))


def to_logits(folder: Path, model: nn.Module, views: int) -> None:
    """Re-export the submission's model to emit logits, check softmax parity with the probabilities, re-check it."""
    import numpy as np
    import yaml

    from saferkit.baseline.onnx_export import PARITY_TOLERANCE, check_onnx, ort_session
    from saferkit.core.atomic import write_bytes_atomic, write_text_atomic
    from saferkit.evaluation.check import check_submission

    manifest_path, model_path = folder / "submission.yaml", folder / "model.onnx"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    size, names = int(manifest["input"]["height"]), (manifest["input"]["name"], manifest["output"]["name"])
    wrapped = LogitsOf(model.eval().cpu(), views).eval()
    program = torch.onnx.export(wrapped, (torch.zeros(2, 3, size, size),), dynamo=True, input_names=[names[0]], output_names=[names[1]],
                                dynamic_shapes=({0: torch.export.Dim("batch")},), external_data=False, verbose=False)
    logits_bytes = program.model_proto.SerializeToString()
    check_onnx(logits_bytes)
    probe = torch.randn(4, 3, size, size)
    probabilities = ort_session(model_path.read_bytes()).run(None, {names[0]: probe.numpy()})[0]
    logits = ort_session(logits_bytes).run(None, {names[0]: probe.numpy()})[0]
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    if float(np.abs(softmax - probabilities).max()) > PARITY_TOLERANCE:
        raise UserError("the logits model does not reproduce the probabilities; export without --logits.")
    manifest["output"]["kind"] = "logits"
    write_bytes_atomic(model_path, logits_bytes)
    write_text_atomic(manifest_path, yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True))
    check_submission(folder).raise_if_invalid()
    print(f"{folder}: model.onnx now emits logits (softmax parity within {PARITY_TOLERANCE})")


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
    fit.add_argument("--arch", default=DEFAULT_ARCH, help="any torchvision classification model (built with weights=None), "
                     "e.g. resnet18, mobilenet_v3_small, efficientnet_b0")
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
    out.add_argument("--logits", action="store_true", help="emit logits instead of probabilities (submission.yaml says so)")
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
