"""The decode policy: every mode, alpha, EXIF orientation, draft mode, first frame, bombs."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from saferkit.hashing import HashingError, hash_bytes
from saferkit.hashing.decode import DRAFT_MIN_SIDE, MAX_IMAGE_PIXELS, DecodePolicy, decode_for_hashes, decode_rgb
from saferkit.hashing.procedural import procedural_image
from encoded import encode


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return procedural_image(7, (96, 72))


@pytest.mark.parametrize(
    "mode, fmt",
    [("1", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("RGB", "PNG"), ("RGBA", "PNG"), ("CMYK", "TIFF"),
     ("YCbCr", "TIFF"), ("I;16", "PNG"), ("I", "TIFF"), ("F", "TIFF"), ("CMYK", "JPEG"), ("L", "JPEG"), ("P", "GIF")],
)
def test_every_mode_decodes_to_8_bit_rgb_and_hashes(photo, mode, fmt):
    if mode in ("I;16", "I", "F"):
        grey = np.asarray(photo.convert("L"), dtype=np.float64)
        scale = {"I;16": 257, "I": 1000, "F": 1 / 255}[mode]
        values = grey * scale
        image = Image.fromarray(values.astype({"I;16": np.uint16, "I": np.int32, "F": np.float32}[mode]))
        assert image.mode.startswith(mode[0])
    else:
        image = photo.convert(mode)
    decoded = decode_rgb(encode(image, fmt))
    assert decoded.mode == "RGB" and decoded.size == photo.size
    result = hash_bytes(encode(image, fmt), ["pdq", "phash"])
    assert len(result["pdq"]) == 64 and len(result["phash"]) == 16


@pytest.mark.parametrize("mode", ["PA", "La", "RGBa", "HSV", "LAB", "I;16B"])
def test_in_memory_modes_convert_too(photo, mode):
    from saferkit.core.media import to_rgb

    source = photo.convert("RGBA") if mode in ("PA", "La", "RGBa") else photo
    if mode == "I;16B":
        values = (np.asarray(photo.convert("L")).astype(np.uint16) * 257).astype(">u2")
        image = Image.frombytes("I;16B", photo.size, values.tobytes())
    elif mode == "PA":
        image = source.convert("P").convert("PA")
    else:
        image = source.convert(mode)
    converted = to_rgb(image)
    assert converted.mode == "RGB" and converted.size == photo.size


def test_transparent_palette_images_follow_the_alpha_policy(photo):
    palette = photo.convert("P")
    data = encode(palette, "PNG", transparency=0)
    assert decode_rgb(data).mode == "RGB"
    assert decode_rgb(data, DecodePolicy(alpha="white")).mode == "RGB"


def test_high_bit_depth_images_keep_their_picture(photo):
    grey = np.array(photo.convert("L"))
    grey[0, 0], grey[-1, -1] = 0, 255  # full range, so the float stretch is the identity
    sixteen = Image.fromarray(grey.astype(np.uint16) * 257)
    as_float = Image.fromarray(grey.astype(np.float32) / 255.0)
    reference = hash_bytes(encode(Image.fromarray(grey), "PNG"), ["pdq"])["pdq"]
    for image, fmt in ((sixteen, "PNG"), (as_float, "TIFF")):
        assert hash_bytes(encode(image, fmt), ["pdq"])["pdq"] == reference


def test_alpha_is_dropped_by_default_and_composited_on_request(photo):
    rgba = photo.convert("RGBA")
    alpha = np.zeros((photo.height, photo.width), dtype=np.uint8)
    alpha[:, : photo.width // 2] = 255
    rgba.putalpha(Image.fromarray(alpha))
    data = encode(rgba, "PNG")
    dropped = np.asarray(decode_rgb(data))
    assert np.array_equal(dropped, np.asarray(photo))  # colours under transparency kept
    white = np.asarray(decode_rgb(data, DecodePolicy(alpha="white")))
    assert (white[:, photo.width // 2 :] == 255).all()
    assert np.array_equal(white[:, : photo.width // 2], np.asarray(photo)[:, : photo.width // 2])
    with pytest.raises(HashingError):
        DecodePolicy(alpha="black")


def test_exif_orientation_is_ignored_unless_asked_for(photo):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 clockwise to display
    data = encode(photo, "JPEG", exif=exif.tobytes(), quality=95)
    raw = decode_rgb(data)
    upright = decode_rgb(data, DecodePolicy(exif_transpose=True))
    assert raw.size == photo.size
    assert upright.size == (photo.height, photo.width)


def test_large_jpegs_are_decoded_at_reduced_size_but_hash_the_same():
    big = procedural_image(3, (4 * DRAFT_MIN_SIDE + 40, 2 * DRAFT_MIN_SIDE + 20))
    data = encode(big, "JPEG", quality=92)
    reduced = decode_rgb(data)
    full = decode_rgb(data, DecodePolicy(draft=False))
    assert full.size == big.size
    assert min(reduced.size) >= DRAFT_MIN_SIDE and reduced.width < big.width
    a = hash_bytes(data, ["pdq"])["pdq"]
    b = hash_bytes(data, ["pdq"], policy=DecodePolicy(draft=False))["pdq"]
    assert bin(int(a, 16) ^ int(b, 16)).count("1") <= 10


def test_multi_frame_files_hash_their_first_frame(photo):
    other = procedural_image(99, photo.size)
    buffer = io.BytesIO()
    photo.save(buffer, "GIF", save_all=True, append_images=[other])
    first_only = encode(photo, "GIF")
    assert hash_bytes(buffer.getvalue(), ["pdq"])["pdq"] == hash_bytes(first_only, ["pdq"])["pdq"]


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def test_decompression_bombs_are_refused_before_decoding():
    for side in (12_000, 40_000):  # over our limit; and over Pillow's own hard limit
        assert side * side > MAX_IMAGE_PIXELS
        with pytest.raises(HashingError) as caught:
            hash_bytes(_png_header_only(side, side), ["pdq"])
        assert caught.value.kind == "bomb"


def test_the_pixel_limit_is_configurable(photo):
    data = encode(photo, "PNG")
    with pytest.raises(HashingError, match="decompression bomb"):
        decode_rgb(data, DecodePolicy(max_pixels=photo.width * photo.height - 1))
    assert decode_rgb(data, DecodePolicy(max_pixels=photo.width * photo.height)).size == photo.size


def test_imagehash_works_on_a_reduced_copy_with_little_drift():
    import imagehash

    big = procedural_image(11, (1400, 1050))
    ours = hash_bytes(encode(big, "PNG"), ["phash", "dhash"])
    grey = big.convert("L")
    for name, function in (("phash", imagehash.phash), ("dhash", imagehash.dhash)):
        assert imagehash.hex_to_hash(ours[name]) - function(grey) <= 2


def test_colour_jpegs_decode_to_their_luma_plane_for_hashing(photo):
    data = encode(photo, "JPEG", quality=95)
    luma = decode_for_hashes(data)
    assert luma.mode == "L" and luma.size == photo.size
    from_rgb = np.asarray(decode_rgb(data).convert("L"), dtype=np.int16)
    assert np.abs(np.asarray(luma, dtype=np.int16) - from_rgb).max() <= 2  # JPEG's Y is the same luma, rounded once
    png = decode_for_hashes(encode(photo, "PNG"))
    assert png.mode == "RGB"  # other formats follow the colour rules, and hashing takes their luma
