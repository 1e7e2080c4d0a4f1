"""PDQ's own reduction of an image's luma to 64x64, computed as two small products.

Why: pdqhash reduces a full-size image with two passes of sliding box filters
along each axis (Jarosz's method) and then keeps 64x64 samples. On a
2-3 megapixel photo that costs 70-220 ms in pdqhash, several times the decode.
The filter is linear and separable and only 64 of its outputs per axis are
kept, so the same 64x64 values are `rows @ luma @ cols.T`, where each of the 64
rows of `rows` (and `cols`) holds the combined weights of both box passes for
one kept sample: a band of about 2*ceil(n/128) non-zeros. That product costs a
few milliseconds. The rules reproduced (from the PDQ reference, BSD):

- window per axis: ceil(n / 128) pixels (`computeJaroszFilterWindowSize(n, 64)`);
- each box pass averages out[i] over in[i - (w - h) .. i + (h - 1)] with
  h = (w + 2) // 2, clipped at the edges and divided by the pixels inside;
- two passes per axis;
- sample k of 64 is pixel floor((k + 0.5) * n / 64), the block centre.

The reference sums in float32 sliding windows; the products here are float32
too (2-3x faster than float64 on 2 cores; on the drive's and the conformance
set's pictures no PDQ bit and no quality changed), so the two differ by float
rounding only. `hashers.py` hands the result to pdqhash,
which hashes it (its own reduction of a 64x64 input is the identity) but
takes 8-bit pixels only. PDQ's 16x16 DCT leaves out the constant term and its
bits compare coefficients with their median, so the hash does not change when
the buffer is scaled and shifted: `stretched_to_bytes` spreads the buffer over
0-255 before rounding, so that rounding costs as little as it can (a blurred,
low-contrast buffer lost bits to rounding otherwise). The quality metric does
depend on the scale, so `quality` computes it here, on the unrounded buffer,
as the reference does.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

PDQ_SIDE = 64
BOX_PASSES = 2


def _window(length: int) -> int:
    return (length + 2 * PDQ_SIDE - 1) // (2 * PDQ_SIDE)


def _box_span(index: int, length: int, window: int) -> tuple[int, int]:
    """First and last input index averaged into output `index` by one box pass."""
    half = (window + 2) // 2
    return max(0, index - (window - half)), min(length - 1, index + half - 1)


@lru_cache(maxsize=256)
def reduction_weights(length: int):
    """A sparse (64 x length) matrix: both box passes along one axis, then the 64 samples."""
    from scipy import sparse

    window = _window(length)
    weights = np.zeros((PDQ_SIDE, length))
    for row in range(PDQ_SIDE):
        current = np.zeros(length)
        current[int(((row + 0.5) * length) / PDQ_SIDE)] = 1.0
        for _ in range(BOX_PASSES):
            spread = np.zeros(length)
            for index in np.flatnonzero(current):
                first, last = _box_span(int(index), length, window)
                spread[first : last + 1] += current[index] / (last - first + 1)
            current = spread
        weights[row] = current
    return sparse.csr_matrix(weights.astype(np.float32))


def reduce_luma(luma: np.ndarray) -> np.ndarray:
    """The 64x64 float buffer PDQ hashes, from a (rows x cols) luma array.

    8-bit luma may be passed as is: it is converted to float32 once.
    """
    height, width = luma.shape
    per_column = reduction_weights(height) @ luma.astype(np.float32, copy=False)  # 64 x width
    return np.asarray(reduction_weights(width) @ per_column.T).T.astype(np.float64)


def stretched_to_bytes(buffer: np.ndarray) -> np.ndarray:
    """The buffer scaled and shifted onto 0-255 and rounded: the same PDQ bits, the least rounding."""
    low, high = float(buffer.min()), float(buffer.max())
    if high <= low:
        return np.zeros(buffer.shape, dtype=np.uint8)
    return np.rint((buffer - low) * (255.0 / (high - low))).astype(np.uint8)


def quality(buffer: np.ndarray) -> int:
    """PDQ's quality, 0-100: the sum of the buffer's neighbour differences in percent of
    full scale (each truncated to a whole number, as the reference does), divided by 90."""
    down = np.abs(np.trunc((buffer[:-1, :] - buffer[1:, :]) * 100.0 / 255.0)).sum()
    across = np.abs(np.trunc((buffer[:, :-1] - buffer[:, 1:]) * 100.0 / 255.0)).sum()
    return min(100, int(down + across) // 90)
