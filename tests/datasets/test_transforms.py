"""Every robustness transform at every severity: deterministic, valid, damaging, monotone."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from saferkit.datasets.manifest import ATTRIBUTES
from saferkit.datasets.scene import render_scene
from saferkit.datasets.transforms import (
    MONOTONE_TRANSFORMS,
    SEVERITIES,
    TRANSFORMS,
    apply_transform,
    transform_grid,
)
from saferkit.core.errors import UserError

EXPECTED = {"jpeg", "downscale", "crop", "pad", "rotate", "mirror", "blur", "noise", "gamma", "brightness",
            "overlay_text", "watermark", "greyscale"}


@pytest.fixture(scope="module")
def scene() -> Image.Image:
    row = {"flag": 1, "category": "star", "seed": 42, **{a: v[1] for a, v in ATTRIBUTES.items()}}
    row["device"] = "hq"
    return render_scene(row, 96)


def _damage(original: Image.Image, changed: Image.Image) -> float:
    resized = changed.resize(original.size, Image.BILINEAR) if changed.size != original.size else changed
    return float(np.abs(np.asarray(resized, dtype=np.float32) - np.asarray(original, dtype=np.float32)).mean())


def test_the_catalogue_covers_every_named_transform() -> None:
    assert set(TRANSFORMS) == EXPECTED
    assert SEVERITIES == (1, 2, 3, 4, 5)
    assert len(transform_grid()) == len(TRANSFORMS) * 5


@pytest.mark.parametrize("name", TRANSFORMS)
def test_every_severity_is_deterministic_valid_and_changes_the_image(scene: Image.Image, name: str) -> None:
    before = scene.tobytes()
    for severity in SEVERITIES:
        out = apply_transform(scene, name, severity, seed=7)
        again = apply_transform(scene, name, severity, seed=7)
        assert isinstance(out, Image.Image) and out.mode == "RGB"
        assert out.size[0] > 0 and out.size[1] > 0
        assert out.tobytes() == again.tobytes() and out.size == again.size
        buffer = io.BytesIO()
        out.save(buffer, format="PNG")  # a valid, encodable image
        assert Image.open(io.BytesIO(buffer.getvalue())).size == out.size
        assert out.size != scene.size or out.tobytes() != scene.tobytes(), (name, severity)
    assert scene.tobytes() == before  # the input is never modified


@pytest.mark.parametrize("name", MONOTONE_TRANSFORMS)
def test_damage_grows_with_severity(scene: Image.Image, name: str) -> None:
    damages = [_damage(scene, apply_transform(scene, name, severity, seed=3)) for severity in SEVERITIES]
    assert all(later >= earlier - 0.25 for earlier, later in zip(damages, damages[1:])), (name, damages)
    assert damages[-1] > damages[0], (name, damages)


def test_size_changes_are_as_documented(scene: Image.Image) -> None:
    assert apply_transform(scene, "downscale", 5, 0).size == (19, 19)
    assert apply_transform(scene, "crop", 5, 0).size == (48, 48)
    assert apply_transform(scene, "pad", 3, 0).size[1] > scene.size[1]
    for name in set(TRANSFORMS) - {"downscale", "crop", "pad"}:
        assert apply_transform(scene, name, 3, 0).size == scene.size


@pytest.mark.parametrize("name", ["crop", "noise", "overlay_text", "watermark", "pad"])
def test_the_seed_drives_the_random_parts(scene: Image.Image, name: str) -> None:
    outputs = {apply_transform(scene, name, 4, seed).tobytes() for seed in range(4)}
    assert len(outputs) > 1


def test_mirror_variants_are_the_dihedral_flips(scene: Image.Image) -> None:
    flipped = apply_transform(scene, "mirror", 1, 0)
    assert flipped.tobytes() == scene.transpose(Image.Transpose.FLIP_LEFT_RIGHT).tobytes()
    assert len({apply_transform(scene, "mirror", s, 0).tobytes() for s in SEVERITIES}) == 5


def test_non_rgb_input_is_accepted(scene: Image.Image) -> None:
    out = apply_transform(scene.convert("L"), "blur", 2, 0)
    assert out.mode == "RGB" and out.size == scene.size


def test_unknown_transform_or_severity_is_a_user_error(scene: Image.Image) -> None:
    with pytest.raises(UserError, match="unknown transform 'sepia'"):
        apply_transform(scene, "sepia", 1, 0)
    with pytest.raises(UserError, match="severity 6"):
        apply_transform(scene, "jpeg", 6, 0)
