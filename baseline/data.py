"""The training data a baseline run may see: the train and val splits, never test.

Reads a data folder through the kit's one loader (which enforces the provenance
gate), decodes the two splits into memory, and refuses data that cannot train an
honest model: an empty or single-class split, or too many unreadable images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from saferkit.baseline.config import TrainConfig
from saferkit.baseline.images import decode_images
from saferkit.datasets.manifest import TRAIN, VAL
from saferkit.datasets.provenance import provenance_sha256, require_provenance
from saferkit.core.errors import UserError

DATASHEET_NAME = "DATASHEET.md"


@dataclass
class ImageSplit:
    """One decoded split: pixels (N, H, W, 3) uint8, class indices, binary flags, source rows."""

    name: str
    pixels: np.ndarray
    targets: np.ndarray
    flags: np.ndarray
    paths: list[str]

    def __len__(self) -> int:
        return len(self.targets)


@dataclass
class TrainingData:
    """The splits a run trains on, and the facts about the data set it records."""

    root: Path
    train: ImageSplit
    val: ImageSplit
    provenance: dict[str, Any]
    provenance_sha256: str
    datasheet: Path | None
    skipped: list[tuple[str, str]] = field(default_factory=list)
    resized: int = 0
    total_listed: int = 0

    @property
    def name(self) -> str:
        """A human name for the data set: the provenance's, else the folder's."""
        for key in ("name", "dataset", "title"):
            value = self.provenance.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return self.root.name

    def summary(self) -> dict[str, Any]:
        """What run.json and MLflow record about the data."""
        return {
            "root": str(self.root),
            "name": self.name,
            "content": self.provenance.get("content"),
            "license": self.provenance.get("license"),
            "provenance_sha256": self.provenance_sha256,
            "splits_used": {TRAIN: len(self.train), VAL: len(self.val)},
            "positives": {TRAIN: int(self.train.flags.sum()), VAL: int(self.val.flags.sum())},
            "images_listed": self.total_listed,
            "images_skipped": len(self.skipped),
            "images_resized": self.resized,
        }


def _read_manifest(root: Path):
    """The data set's rows via the kit's loader (provenance-checked)."""
    from saferkit.datasets import load_dataset

    return load_dataset(root)


def _targets(frame, task: str, labels: tuple[str, ...], split: str) -> np.ndarray:
    flags = frame["flag"].astype(int).to_numpy()
    if task == "binary":
        return flags
    categories = frame["category"].astype(str).to_numpy()
    unknown = sorted(set(categories) - set(labels))
    if unknown:
        raise UserError(
            f"the {split} split has categories {unknown} that multiclass training does not know "
            f"(expected {', '.join(labels)}); use --task binary for this data."
        )
    return np.array([labels.index(c) for c in categories], dtype=np.int64)


def _check_classes(split: ImageSplit, task: str) -> None:
    if len(split) == 0:
        raise UserError(
            f"the {split.name} split is empty; the data folder needs images in both the train and val splits."
        )
    if len(np.unique(split.flags)) < 2:
        only = "positive" if split.flags[0] else "negative"
        raise UserError(
            f"the {split.name} split holds only {only} images; training and checkpoint choice need both "
            f"flagged and clear images in it."
        )
    if task == "multiclass" and split.name == TRAIN and len(np.unique(split.targets)) < 2:
        raise UserError("the train split has a single category; multiclass training needs at least two.")


def load_training_data(
    root: str | Path,
    config: TrainConfig,
    on_progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> TrainingData:
    """Decode the train and val splits of `root` (after the provenance gate) for `config`."""
    root = Path(root).expanduser().resolve()
    provenance = require_provenance(root)
    frame = _read_manifest(root)
    if "split" not in frame.columns:
        raise UserError(f"{root} has no split column; the baseline needs train and val splits.")
    wanted = frame[frame["split"].isin([TRAIN, VAL])].reset_index(drop=True)
    if on_total is not None:
        on_total(len(wanted))
    decoded = decode_images(wanted["abspath"].tolist(), config.img_size, on_progress)
    limit = config.max_corrupt_fraction
    if len(wanted) and len(decoded.failed) > limit * len(wanted):
        examples = "; ".join(f"{Path(p).name} ({why})" for p, why in decoded.failed[:3])
        raise UserError(
            f"{len(decoded.failed)} of {len(wanted)} train/val images could not be read "
            f"(more than {limit:.0%}), e.g. {examples}; repair or regenerate the data set."
        )
    kept = wanted.iloc[decoded.kept].reset_index(drop=True)
    splits = {}
    for name in (TRAIN, VAL):
        mask = (kept["split"] == name).to_numpy()
        rows = kept[mask]
        split = ImageSplit(
            name=name,
            pixels=decoded.pixels[mask],
            targets=_targets(rows, config.task, config.labels, name),
            flags=rows["flag"].astype(int).to_numpy(),
            paths=rows["abspath"].tolist(),
        )
        _check_classes(split, config.task)
        splits[name] = split
    datasheet = root / DATASHEET_NAME
    return TrainingData(
        root=root,
        train=splits[TRAIN],
        val=splits[VAL],
        provenance=provenance,
        provenance_sha256=provenance_sha256(root),
        datasheet=datasheet if datasheet.is_file() else None,
        skipped=decoded.failed,
        resized=decoded.resized,
        total_listed=len(wanted),
    )


def split_rows(root: str | Path, split: str):
    """Rows of one split of a permitted data folder (provenance-checked), with `abspath`."""
    frame = _read_manifest(Path(root).expanduser().resolve())
    return frame[frame["split"] == split].reset_index(drop=True)
