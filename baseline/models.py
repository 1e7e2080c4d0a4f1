"""torchvision classifiers built from scratch (weights=None: nothing is downloaded)."""

from __future__ import annotations

import difflib

import torch
import torchvision
from torch import nn

from saferkit.errors import UserError


def classification_archs() -> list[str]:
    """Names of torchvision's image-classification architectures."""
    return sorted(torchvision.models.list_models(module=torchvision.models))


def check_arch(arch: str) -> None:
    """Raise UserError for a name that is not a torchvision classifier, suggesting close names."""
    known = classification_archs()
    if arch in known:
        return
    close = difflib.get_close_matches(arch, known, n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise UserError(
        f"--arch {arch!r} is not a torchvision classification architecture; {hint}"
        f"e.g. mobilenet_v3_small, resnet18, shufflenet_v2_x1_0 (see torchvision.models.list_models())."
    )


def build_model(arch: str, num_classes: int) -> nn.Module:
    """A randomly initialised torchvision classifier with `num_classes` outputs (logits)."""
    check_arch(arch)
    kwargs = {"weights": None, "num_classes": num_classes}
    if arch.startswith(("inception", "googlenet")):
        kwargs["aux_logits"] = False
        kwargs["init_weights"] = True
    model = torchvision.models.get_model(arch, **kwargs)
    _short_run_batchnorm(model)
    return model


def _short_run_batchnorm(model: nn.Module) -> None:
    """Use PyTorch's default BatchNorm momentum (0.1).

    Some torchvision nets (the MobileNetV3s, EfficientNets) use 0.01, tuned for
    ImageNet-length schedules; in a few hundred steps their running statistics
    never settle and the evaluation-mode model is far worse than the trained one.
    """
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.momentum = 0.1


class WithSoftmax(nn.Module):
    """Wraps a logits model so that its output (and the exported graph's) is probabilities."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(images), dim=1)
