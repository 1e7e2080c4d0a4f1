"""torchvision classifiers built from scratch (weights=None: nothing is downloaded)."""

from __future__ import annotations

import difflib

import torch
import torchvision
from torch import nn

from saferkit.errors import UserError


# torchvision's ResNet built with a small-image stem: a 3x3 stride-2 convolution
# in place of ImageNet's 7x7 one (the max-pool stays). At 64 px the 7x7 stem blurs
# away the thin rim that tells a marker from a look-alike distractor; measured on
# the 6,000-image set, the 3x3 stem reached val ROC-AUC 0.87 in 4 epochs where the
# 7x7 one reached 0.81, and one residual block per stage halves ResNet-18's cost.
SMALL_IMAGE_RESNETS: dict[str, list[int]] = {
    "resnet10_small": [1, 1, 1, 1],
    "resnet18_small": [2, 2, 2, 2],
}


def classification_archs() -> list[str]:
    """Names of torchvision's image-classification architectures, plus the small-image ResNets."""
    return sorted(torchvision.models.list_models(module=torchvision.models) + list(SMALL_IMAGE_RESNETS))


def check_arch(arch: str) -> None:
    """Raise UserError for a name that is not a torchvision classifier, suggesting close names."""
    known = classification_archs()
    if arch in known:
        return
    close = difflib.get_close_matches(arch, known, n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise UserError(
        f"--arch {arch!r} is not a torchvision classification architecture; {hint}"
        f"e.g. resnet10_small, resnet18, mobilenet_v3_small (see torchvision.models.list_models())."
    )


def build_model(arch: str, num_classes: int) -> nn.Module:
    """A randomly initialised torchvision classifier with `num_classes` outputs (logits)."""
    check_arch(arch)
    if arch in SMALL_IMAGE_RESNETS:
        return small_image_resnet(SMALL_IMAGE_RESNETS[arch], num_classes)
    kwargs = {"weights": None, "num_classes": num_classes}
    if arch.startswith(("inception", "googlenet")):
        kwargs["aux_logits"] = False
        kwargs["init_weights"] = True
    model = torchvision.models.get_model(arch, **kwargs)
    _short_run_batchnorm(model)
    return model


def small_image_resnet(blocks_per_stage: list[int], num_classes: int) -> nn.Module:
    """torchvision's ResNet (basic blocks, random weights) with a 3x3 stride-2 stem for small images."""
    from torchvision.models.resnet import BasicBlock, ResNet

    model = ResNet(BasicBlock, blocks_per_stage, num_classes=num_classes)
    model.conv1 = nn.Conv2d(3, model.conv1.out_channels, kernel_size=3, stride=2, padding=1, bias=False)
    nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")  # as ResNet inits its convs
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
