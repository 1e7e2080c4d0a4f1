"""The architectures the baseline builds: torchvision's, plus the small-image ResNets."""

from __future__ import annotations

import pytest
import torch

from saferkit.baseline.config import DEFAULT_ARCH
from saferkit.baseline.models import SMALL_IMAGE_RESNETS, build_model, classification_archs
from saferkit.errors import UserError


@pytest.mark.parametrize("arch", sorted(SMALL_IMAGE_RESNETS))
def test_small_image_resnets_keep_a_fine_stem_and_give_one_logit_per_class(arch):
    model = build_model(arch, 5).eval()
    assert model.conv1.kernel_size == (3, 3) and model.conv1.stride == (2, 2)
    blocks = [len(getattr(model, f"layer{i}")) for i in range(1, 5)]
    assert blocks == SMALL_IMAGE_RESNETS[arch]
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 5)


def test_default_arch_is_known_and_typos_get_a_suggestion():
    assert DEFAULT_ARCH in classification_archs()
    with pytest.raises(UserError, match="did you mean resnet10_small"):
        build_model("resnet10_smal", 2)
