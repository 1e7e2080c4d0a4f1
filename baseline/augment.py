"""Preprocessing and augmentation with torchvision transforms v2.

Evaluation preprocessing is exactly what submission.yaml declares (scale by 255,
normalise with MEAN/STD); training adds label-preserving augmentation only: the
marker may sit anywhere, at any orientation, under any lighting, so flips, right
angle turns and mild colour changes never change the answer. The baseline
augments whole batches (`BatchAugment`); a team's per-image v2 pipeline (the
starter's `build_augmentation`) runs image by image in the DataLoader.
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


class BatchAugment(torch.nn.Module):
    """The baseline's augmentation for a whole uint8 batch (N, 3, H, W) of square images, drawn per image.

    Each image gets one of the eight turns and mirrors of the square (three fair
    coins: mirror, vertical mirror, transpose) and, with probability `jitter_p`,
    brightness, contrast and saturation factors in [1 - jitter, 1 + jitter] (as
    v2.ColorJitter, in that order); the result is normalised as declared. A few
    tensor operations per batch instead of a dozen per image (on 2 CPU cores the
    per-image v2 pipeline cost about 1.2 s of every 20-25 s epoch).
    """

    def __init__(self, jitter: float = 0.25, jitter_p: float = 0.5) -> None:
        super().__init__()
        self.jitter = jitter
        self.jitter_p = jitter_p

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        count = images.shape[0]
        coins = (torch.rand(count, 3) < 0.5).view(count, 3, 1, 1, 1)
        images = torch.where(coins[:, 0], images.flip(-1), images)
        images = torch.where(coins[:, 1], images.flip(-2), images)
        images = torch.where(coins[:, 2], images.transpose(-2, -1), images)
        pixels = v2.functional.to_dtype(images, torch.float32, scale=True)
        jittered = torch.rand(count) < self.jitter_p
        factors = 1 + self.jitter * (2 * torch.rand(count, 3) - 1)  # drawn for all: the draws never depend on the choice
        chosen = jittered.nonzero().squeeze(1)
        pixels[chosen] = self._jitter(pixels[chosen], factors[chosen].view(-1, 3, 1, 1, 1))
        return v2.functional.normalize(pixels, mean=list(MEAN), std=list(STD))

    @staticmethod
    def _jitter(pixels: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
        """Brightness, contrast, saturation by per-image `factors` (N, 3, 1, 1, 1), as v2.ColorJitter applies them."""
        pixels = (pixels * factors[:, 0]).clamp(0, 1)
        grey_mean = v2.functional.rgb_to_grayscale(pixels).mean(dim=(-3, -2, -1), keepdim=True)
        pixels = (pixels * factors[:, 1] + grey_mean * (1 - factors[:, 1])).clamp(0, 1)
        grey = v2.functional.rgb_to_grayscale(pixels)
        return (pixels * factors[:, 2] + grey * (1 - factors[:, 2])).clamp(0, 1)


def eval_transform() -> v2.Transform:
    """No augmentation: only the declared preprocessing."""
    return normalise()
