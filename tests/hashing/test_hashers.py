"""hash_bytes / hash_file: the same hashes as the libraries, and a row (not a crash) for bad files."""

from __future__ import annotations

import hashlib
import io
import os

import imagehash
import numpy as np
import pdqhash
import pytest
from PIL import Image

from saferkit.hashing import ALL_ALGOS, HashingError, hash_bytes, hash_file
from saferkit.hashing.decode import decode_rgb
from saferkit.hashing.errors import ERROR_KINDS
from saferkit.core.errors import UserError


def test_one_decode_gives_what_each_library_gives_on_its_own(images):
    data = images[0].read_bytes()
    result = hash_bytes(data, "all")
    rgb = decode_rgb(data)
    bits, quality = pdqhash.compute(np.asarray(rgb))
    # PDQ's 64x64 buffer is computed by us and handed to pdqhash in 8 bits (see pdq_reduce.py)
    assert bin(int(result["pdq"], 16) ^ int(np.packbits(bits.astype(np.uint8)).tobytes().hex(), 16)).count("1") <= 4
    assert abs(result["pdq_quality"] - quality) <= 1 and result["pdq_low_quality"] is (result["pdq_quality"] < 50)
    assert result["phash"] == str(imagehash.phash(rgb))
    assert result["dhash"] == str(imagehash.dhash(rgb))
    assert result["ahash"] == str(imagehash.average_hash(rgb))
    assert result["whash"] == str(imagehash.whash(rgb))
    for name in ("md5", "sha1", "sha256"):
        assert result[name] == hashlib.new(name, data).hexdigest()
    assert set(ALL_ALGOS) <= set(result)


def test_only_the_requested_algorithms_are_computed(images):
    result = hash_bytes(images[1].read_bytes(), ["sha256", "dhash"])
    assert set(result) - {"width", "height"} == {"sha256", "dhash"}
    assert hash_bytes(images[1].read_bytes(), "md5,sha1").keys() == {"md5", "sha1"}


def test_hash_size_changes_imagehash_length(images):
    result = hash_bytes(images[2].read_bytes(), ["phash", "whash"], hash_size=16)
    assert len(result["phash"]) == 64 and len(result["whash"]) == 64


def test_unknown_algorithms_are_a_user_error():
    with pytest.raises(UserError, match="unknown hash algorithm 'photodna'"):
        hash_bytes(b"x", ["photodna"])


def test_flat_images_are_kept_and_flagged_low_quality():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 120, 120)).save(buffer, "PNG")
    result = hash_bytes(buffer.getvalue(), ["pdq"])
    assert result["pdq_quality"] < 50 and result["pdq_low_quality"] is True
    assert len(result["pdq"]) == 64


@pytest.mark.parametrize(
    "content, kind",
    [(b"", "empty"), (b"just some text, not a picture", "not-image"), ("truncated", "corrupt")],
)
def test_bad_files_become_rows_with_errors_and_keep_their_digests(tmp_path, images, content, kind):
    path = tmp_path / "bad.jpg"
    if content == "truncated":
        data = images[0].read_bytes()
        content = data[: len(data) // 3]
    path.write_bytes(content)
    row = hash_file(path, ["sha256", "pdq"])
    assert row["error"] and row["error_kind"] == kind and kind in ERROR_KINDS
    assert row["sha256"] == hashlib.sha256(content).hexdigest()
    assert "pdq" not in row and row["size"] == len(content)
    with pytest.raises(HashingError) as caught:
        hash_bytes(content, ["pdq"])
    assert caught.value.kind == kind


def test_vanished_files_are_rows_too(tmp_path):
    row = hash_file(tmp_path / "gone.jpg", ["pdq"])
    assert row["error_kind"] == "missing" and row["size"] is None


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_files_are_rows_too(tmp_path, images):
    path = tmp_path / "locked.jpg"
    path.write_bytes(images[0].read_bytes())
    path.chmod(0)
    try:
        assert hash_file(path, ["pdq"])["error_kind"] == "permission"
    finally:
        path.chmod(0o600)


def test_unsupported_formats_are_rows(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    row = hash_file(path, ["md5", "pdq"])
    assert row["error_kind"] == "not-image" and row["md5"]


@pytest.mark.parametrize("size", [(640, 480), (4800, 4000)])  # one Pillow block, then several (read by a copy)
def test_pdq_reads_pixels_in_place_or_by_copy_to_the_same_buffer(size):
    from saferkit.hashing.hashers import _reduced_luma
    from saferkit.hashing.pdq_reduce import reduce_luma

    rng = np.random.default_rng(7)
    grey = Image.fromarray(rng.integers(0, 256, size=(size[1], size[0]), dtype=np.uint8))
    colour = Image.fromarray(rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8))
    assert np.array_equal(_reduced_luma(grey), reduce_luma(np.asarray(grey)))
    luma = np.asarray(colour, dtype=np.float64) @ np.array([0.299, 0.587, 0.114])  # unrounded ITU-R 601 luma
    assert np.abs(_reduced_luma(colour) - reduce_luma(luma)).max() < 1e-3
