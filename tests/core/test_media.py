"""The one decode: one object per file serves hashes and models, with one alpha / bit-depth / limit rule."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from saferkit.core.media import (
    DRAFT_MIN_SIDE,
    MAX_IMAGE_PIXELS,
    DecodedImage,
    DecodePolicy,
    MediaError,
    load_rgb,
)
from saferkit.hashing.procedural import procedural_image
from encoded import encode


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return procedural_image(5, (80, 60))


def test_a_png_is_decoded_once_for_hashes_and_models(photo):
    decoded = DecodedImage(encode(photo, "PNG"))
    assert decoded.for_hashes() is decoded.rgb()  # the same pixels, not a second decode
    assert np.array_equal(np.asarray(decoded.rgb()), np.asarray(photo))


def test_a_colour_jpeg_gives_its_y_plane_to_hashes_and_plain_rgb_to_models(photo):
    data = encode(photo, "JPEG", quality=90)
    decoded = DecodedImage(data)
    assert decoded.for_hashes().mode == "L"
    with Image.open(io.BytesIO(data)) as plain:  # what a model was given before there was one decode
        assert np.array_equal(np.asarray(decoded.rgb()), np.asarray(plain.convert("RGB")))
    assert decoded.rgb() is decoded.rgb()


def test_models_get_large_jpegs_at_full_size_and_hashes_at_a_reduced_scale():
    big = procedural_image(3, (2 * DRAFT_MIN_SIDE + 8, 2 * DRAFT_MIN_SIDE + 8))
    decoded = DecodedImage(encode(big, "JPEG", quality=85))
    assert decoded.rgb().size == big.size
    assert decoded.for_hashes().size == (big.width // 2, big.height // 2)
    assert DecodedImage(encode(big, "JPEG"), DecodePolicy(draft=False)).for_hashes().size == big.size


def test_models_see_what_lies_under_transparent_pixels_as_the_hashes_do(photo, tmp_path):
    rgba = photo.convert("RGBA")
    rgba.putalpha(0)  # fully transparent: a viewer shows nothing, the pixels are still there
    path = tmp_path / "hidden.png"
    path.write_bytes(encode(rgba, "PNG"))
    assert np.array_equal(np.asarray(load_rgb(path)), np.asarray(photo))
    white = load_rgb(path, DecodePolicy(alpha="white"))
    assert (np.asarray(white) == 255).all()


def test_sixteen_bit_images_keep_their_top_eight_bits_for_models_too(tmp_path):
    dark = np.full((20, 30), 1000, dtype=np.uint16)  # a dark 16-bit scan stays dark (1000 >> 8 = 3)
    dark[0, 0] = 4000
    path = tmp_path / "dark16.png"
    path.write_bytes(encode(Image.fromarray(dark), "PNG"))
    pixels = np.asarray(load_rgb(path))
    assert pixels.shape == (20, 30, 3) and pixels[1, 1, 0] == 3 and pixels[0, 0, 0] == 15


def test_float_images_are_stretched_not_blacked_out(tmp_path):
    ramp = np.tile(np.linspace(0.0, 1.0, 32, dtype=np.float32), (8, 1))
    path = tmp_path / "ramp.tif"
    path.write_bytes(encode(Image.fromarray(ramp), "TIFF"))
    pixels = np.asarray(load_rgb(path))[..., 0]
    assert pixels.min() == 0 and pixels.max() == 255


def test_undecodable_media_are_media_errors_with_a_kind(tmp_path, photo):
    from saferkit.core.errors import UserError
    from saferkit.hashing import MAX_IMAGE_PIXELS as HASHING_LIMIT
    from saferkit.hashing import HashingError

    cases = {
        "empty": b"",
        "not-image": b"%PDF-1.4 not an image",
        "corrupt": encode(photo, "JPEG")[:300],
    }
    for kind, data in cases.items():
        with pytest.raises(MediaError) as caught:
            DecodedImage(data).rgb()
        assert caught.value.kind == kind and isinstance(caught.value, UserError)
    with pytest.raises(MediaError) as caught:
        DecodedImage(encode(photo, "PNG"), DecodePolicy(max_pixels=photo.width * photo.height - 1)).for_hashes()
    assert caught.value.kind == "bomb"
    with pytest.raises(MediaError) as caught:
        load_rgb(tmp_path / "gone.png")
    assert caught.value.kind == "missing"
    assert issubclass(HashingError, MediaError) and HASHING_LIMIT == MAX_IMAGE_PIXELS


def test_a_preview_comes_from_the_same_decode(photo):
    from saferkit.serving.scan.previews import preview_of

    uri, why = preview_of(DecodedImage(encode(photo, "JPEG")))
    assert why is None and uri is not None and uri.startswith("data:image/jpeg;base64,")
    assert preview_of(DecodedImage(b"not an image"))[0] is None
