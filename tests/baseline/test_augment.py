"""The baseline's batch augmentation: label-preserving, drawn per image, normalised as declared."""

from __future__ import annotations

import torch

from saferkit.baseline.augment import BatchAugment, normalise


def _turns_and_mirrors(image: torch.Tensor) -> list[torch.Tensor]:
    turns = [torch.rot90(image, k, dims=(-2, -1)) for k in range(4)]
    return turns + [turn.flip(-1) for turn in turns]


def test_each_image_becomes_one_of_its_eight_turns_and_mirrors_drawn_independently():
    torch.manual_seed(0)
    image = torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8)
    batch = image.expand(256, -1, -1, -1).contiguous()
    out = BatchAugment(jitter_p=0.0)(batch)
    views = _turns_and_mirrors(normalise()(image))
    which = [next(k for k, view in enumerate(views) if torch.equal(row, view)) for row in out]
    counts = torch.bincount(torch.tensor(which), minlength=8)
    assert (counts > 0).all()  # every view occurs: the draws are per image, not per batch
    assert counts.max() < 64  # and roughly even (expected 32 each of 256)


def test_jitter_changes_colours_on_about_half_the_images_and_stays_in_range():
    torch.manual_seed(1)
    batch = torch.randint(30, 220, (400, 3, 8, 8), dtype=torch.uint8)
    out = BatchAugment(jitter=0.25, jitter_p=0.5)(batch)
    plain = normalise()(batch)
    as_is = [any(torch.equal(row, view) for view in _turns_and_mirrors(ref)) for row, ref in zip(out, plain)]
    assert 150 < sum(as_is) < 250
    lowest, highest = normalise()(torch.tensor([0, 255], dtype=torch.uint8).view(1, 1, 2).expand(3, 1, 2))[0, 0]
    assert out.min() >= lowest - 1e-6 and out.max() <= highest + 1e-6


def test_without_jitter_strength_the_colours_are_untouched():
    torch.manual_seed(2)
    batch = torch.randint(0, 256, (32, 3, 8, 8), dtype=torch.uint8)
    out = BatchAugment(jitter=0.0, jitter_p=1.0)(batch)
    plain = normalise()(batch)
    for row, ref in zip(out, plain):
        assert any(torch.allclose(row, view, atol=1e-6) for view in _turns_and_mirrors(ref))
