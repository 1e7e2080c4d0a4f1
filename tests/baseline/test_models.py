"""The architectures the baseline builds: torchvision's, plus the small-image ResNets."""

from __future__ import annotations

import pytest
import torch

from saferkit.baseline.config import DEFAULT_ARCH
from saferkit.baseline.models import (
    SMALL_IMAGE_RESNETS,
    WithSoftmax,
    build_model,
    classification_archs,
    dihedral_views,
)
from saferkit.core.errors import UserError


@pytest.mark.parametrize("arch", sorted(SMALL_IMAGE_RESNETS))
def test_small_image_resnets_keep_a_fine_stem_and_give_one_logit_per_class(arch):
    model = build_model(arch, 5).eval()
    assert model.conv1.kernel_size == (3, 3) and model.conv1.stride == (2, 2)
    layout = SMALL_IMAGE_RESNETS[arch]
    stages = len(layout.blocks)
    assert [len(getattr(model, f"layer{i}")) for i in range(1, stages + 1)] == list(layout.blocks)
    assert [getattr(model, f"layer{i}")[-1].conv2.out_channels for i in range(1, stages + 1)] == list(
        layout.widths[:stages])
    assert model.fc.in_features == layout.widths[stages - 1]
    if stages == 3:  # no layer4: the head reads layer3
        assert isinstance(model.layer4, torch.nn.Identity)
    assert isinstance(model.maxpool, torch.nn.Identity) != layout.max_pool
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 5)


def test_the_high_resolution_layouts_keep_twice_the_resolution_at_every_stage():
    def last_map_side(arch):
        model = build_model(arch, 2).eval()
        seen = {}
        model.layer4.register_forward_hook(lambda module, inputs, output: seen.update(side=output.shape[-1]))
        with torch.no_grad():
            model(torch.zeros(1, 3, 64, 64))
        return seen["side"]

    assert last_map_side("resnet10_slim") == last_map_side("resnet10_hires") == 2 * last_map_side("resnet10_small") == 4


def test_default_arch_is_known_and_typos_get_a_suggestion():
    assert DEFAULT_ARCH in classification_archs()
    with pytest.raises(UserError, match="did you mean resnet10_small"):
        build_model("resnet10_smal", 2)


def _all_turns_and_mirrors(image: torch.Tensor) -> list[torch.Tensor]:
    turns = [torch.rot90(image, k, dims=(-2, -1)) for k in range(4)]
    return turns + [turn.flip(-1) for turn in turns]


def test_dihedral_views_are_the_eight_distinct_turns_and_mirrors_identity_first():
    image = torch.arange(2 * 3 * 5 * 5, dtype=torch.float32).reshape(2, 3, 5, 5)
    views = dihedral_views(image, 8)
    assert torch.equal(views[0], image)
    expected = _all_turns_and_mirrors(image)
    for view in views:  # each view is one of the eight, and no two views are the same
        assert sum(torch.equal(view, e) for e in expected) == 1
    assert len({tuple(v.flatten().tolist()) for v in views}) == 8
    assert [len(dihedral_views(image, n)) for n in (1, 2, 4)] == [1, 2, 4]


def test_with_softmax_averages_the_probabilities_of_the_views():
    torch.manual_seed(0)
    model = build_model("resnet8_small", 2).eval()
    images = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        per_view = torch.stack([torch.softmax(model(v), 1) for v in _all_turns_and_mirrors(images)])
        averaged = WithSoftmax(model, 8)(images)
        plain = WithSoftmax(model, 1)(images)
    assert torch.allclose(averaged, per_view.mean(0), atol=1e-6)
    assert torch.allclose(plain, per_view[0], atol=1e-6)
    assert torch.allclose(averaged.sum(1), torch.ones(3))
    assert not torch.allclose(averaged, plain, atol=1e-4)  # a random net is not orientation-invariant


def test_an_unsupported_view_count_is_a_user_error():
    with pytest.raises(UserError, match="--views must be one of 1, 2, 4, 8"):
        WithSoftmax(build_model("resnet8_small", 2), 3)
