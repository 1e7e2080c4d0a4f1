"""PDQ's reduction to 64x64 as a product gives what the reference's box filters give."""

from __future__ import annotations

import numpy as np
import pdqhash
import pytest
from PIL import ImageFilter

from saferkit.hashing.hashers import pdq_hashes
from saferkit.hashing.pdq_reduce import reduce_luma, stretched_to_bytes
from saferkit.hashing.procedural import procedural_image


def _box_pass(values: np.ndarray, window: int) -> np.ndarray:
    """One box pass along axis 0, written out as the PDQ reference states it."""
    half = (window + 2) // 2
    length = values.shape[0]
    out = np.empty_like(values)
    for index in range(length):
        first, last = max(0, index - (window - half)), min(length - 1, index + half - 1)
        out[index] = values[first : last + 1].mean(axis=0)
    return out


def _reference_reduce(luma: np.ndarray) -> np.ndarray:
    height, width = luma.shape
    rows_window, cols_window = (-(-width // 128)), (-(-height // 128))
    buffer = luma.astype(np.float64)
    for _ in range(2):
        buffer = _box_pass(buffer.T, rows_window).T  # along each row
        buffer = _box_pass(buffer, cols_window)  # along each column
    keep_rows = [int(((k + 0.5) * height) / 64) for k in range(64)]
    keep_cols = [int(((k + 0.5) * width) / 64) for k in range(64)]
    return buffer[np.ix_(keep_rows, keep_cols)]


@pytest.mark.parametrize("shape", [(1, 1), (3, 70), (64, 64), (129, 257), (700, 37), (1004, 300)])
def test_the_product_equals_the_box_filters_and_sampling(shape):
    luma = np.random.default_rng(sum(shape)).uniform(0, 255, shape).astype(np.float32)
    assert np.allclose(reduce_luma(luma), _reference_reduce(luma), atol=1e-6)


def test_pdqhash_sees_the_same_dct_from_our_buffer_as_from_the_full_image():
    rgb = np.asarray(procedural_image(5, (900, 600)))
    full_dct, _ = pdqhash.compute_float(rgb)
    luma = (rgb @ np.array([0.299, 0.587, 0.114])).astype(np.float32)
    buffer = np.clip(np.rint(reduce_luma(luma)), 0, 255).astype(np.uint8)
    ours_dct, _ = pdqhash.compute_float(np.ascontiguousarray(np.repeat(buffer[:, :, None], 3, axis=2)))
    gap = np.abs(ours_dct - full_dct)
    # 8-bit rounding of the buffer only: noise of about 0.3 per coefficient, against values in the hundreds
    assert gap.mean() < 0.5 and gap.max() < 2.0
    assert np.abs(full_dct).max() > 100  # a real picture, not a flat one


def test_hashes_and_quality_stay_with_pdqhash_on_the_full_image():
    gaps = []
    for seed, size in enumerate([(320, 240), (1280, 960), (1600, 1004), (333, 777), (2048, 1536)]):
        for blur in (0, 3):  # blurred: a low-contrast buffer, where rounding it to 8 bits would cost most
            image = procedural_image(40 + seed, size).filter(ImageFilter.GaussianBlur(blur * size[0] / 320))
            bits, full_quality = pdqhash.compute(np.asarray(image))
            full = np.packbits(bits.astype(np.uint8)).tobytes().hex()
            [ours], quality = pdq_hashes(image)
            gaps.append(bin(int(ours, 16) ^ int(full, 16)).count("1"))
            assert abs(quality - full_quality) <= 1
    assert max(gaps) <= 4 and np.mean(gaps) <= 1.5, gaps


def test_stretching_the_buffer_keeps_pdq_bits_and_uses_the_whole_byte_range():
    buffer = np.random.default_rng(3).uniform(100, 140, (64, 64))
    stretched = stretched_to_bytes(buffer)
    assert stretched.min() == 0 and stretched.max() == 255
    as_rgb = lambda pixels: np.ascontiguousarray(np.repeat(pixels[:, :, None], 3, axis=2))  # noqa: E731
    exact_scale = np.rint((buffer - buffer.min()) * (255 / np.ptp(buffer)))  # what stretching should give
    assert np.array_equal(stretched, exact_scale.astype(np.uint8))
    flat = stretched_to_bytes(np.full((64, 64), 7.0))
    assert flat.dtype == np.uint8 and not flat.any()
    # the claim stretching rests on: PDQ's bits do not change when the buffer is scaled and shifted
    pixels = np.random.default_rng(4).integers(0, 128, (64, 64)).astype(np.uint8)
    scaled = (pixels.astype(np.int64) * 2 + 1).astype(np.uint8)  # exact, nothing rounded
    assert np.array_equal(pdqhash.compute(as_rgb(pixels))[0], pdqhash.compute(as_rgb(scaled))[0])


def test_dihedral_variants_match_pdqhash_on_the_full_image():
    image = procedural_image(8, (500, 300))
    variants, quality = pdq_hashes(image, dihedral=True)
    single, single_quality = pdq_hashes(image)
    assert len(variants) == 8 and variants[0] == single[0] and quality == single_quality
    full_variants, _ = pdqhash.compute_dihedral(np.asarray(image))
    for ours, full in zip(variants, full_variants):
        assert bin(int(ours, 16) ^ int(np.packbits(full.astype(np.uint8)).tobytes().hex(), 16)).count("1") <= 4
