"""Hex hashes <-> packed numpy arrays, without a Python object per hash.

Every hash becomes a row of 64-bit words (big-endian word order, so word 0
holds the first 16 hex digits); cryptographic digests use the same packing.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from saferkit.hashing.errors import HashingError


def words_for_hex(hex_length: int) -> int:
    """How many 64-bit words hold a hash written with `hex_length` hex digits."""
    return max(1, -(-hex_length // 16))


def hex_to_words(hexes: Sequence[str], n_words: int) -> np.ndarray:
    """Pack hex strings into an (n, n_words) uint64 array; shorter hashes are left-padded with zeros."""
    width = 16 * n_words
    if len(hexes) == 0:
        return np.zeros((0, n_words), dtype=np.uint64)
    try:
        if set(map(len, hexes)) == {width}:  # the common case, kept at C speed
            joined = "".join(hexes)
        else:
            joined = "".join(h.rjust(width, "0") if len(h) <= width else _too_long(h, width) for h in hexes)
        raw = bytes.fromhex(joined)
    except ValueError as exc:
        raise HashingError(f"not a hexadecimal hash in the input: {exc}") from exc
    if len(raw) != len(hexes) * 8 * n_words:
        raise HashingError("a hash in the input has the wrong number of hex digits.")
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(len(hexes), n_words)


def _too_long(value: str, width: int) -> str:
    raise HashingError(f"hash {value[:80]!r} is longer than {width} hex digits.")


def words_to_hex(words: np.ndarray, hex_length: int) -> list[str]:
    """The inverse of `hex_to_words` (keeps the last `hex_length` digits of each row)."""
    raw = np.ascontiguousarray(words, dtype=np.uint64).astype(">u8").tobytes()
    row = 16 * words.shape[1]
    text = raw.hex()
    return [text[i * row + row - hex_length : (i + 1) * row] for i in range(words.shape[0])]


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Hamming distance of two broadcastable uint64 word arrays."""
    return np.bitwise_count(np.bitwise_xor(a, b)).sum(axis=-1, dtype=np.int32)
