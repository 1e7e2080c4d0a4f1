"""Preprocessing and augmentation with torchvision transforms v2.

Evaluation preprocessing is exactly what submission.yaml declares (scale by 255,
normalise with MEAN/STD); training adds label-preserving augmentation only: the
marker may sit anywhere, at any orientation, under any lighting, so flips, right
angle turns and mild colour changes never change the answer.
"""

from __future__ import annotations

import torch
from torchvision.transforms import v2

from saferkit.baseline.config import MEAN, STD


def normalise() -> v2.Transform:
    """uint8 CHW -> float32 normalised, as declared in submission.yaml."""
    return v2.Compose([v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean=list(MEAN), std=list(STD))])


class RandomRightAngleTurn(torch.nn.Module):
    """Turn the image by 0, 90, 180 or 270 degrees, at random: exact, no interpolation.

    With a horizontal flip this draws from all eight rotations and mirrors of
    the square; torchvision's RandomRotation would resample the pixels.
    """

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.rot90(image, int(torch.randint(0, 4, ()).item()), dims=(-2, -1))


def default_train_transform() -> v2.Transform:
    """The baseline's augmentation for uint8 CHW image tensors."""
    return v2.Compose(
        [
            RandomRightAngleTurn(),
            v2.RandomHorizontalFlip(),
            v2.RandomApply([v2.ColorJitter(brightness=0.25, contrast=0.25, saturation=0.25)], p=0.5),
            normalise(),
        ]
    )


def eval_transform() -> v2.Transform:
    """No augmentation: only the declared preprocessing."""
    return normalise()
