"""Compute every requested hash of one file from one read and one decode.

Cryptographic digests come from the bytes; all perceptual hashes share one
decoded image (`saferkit.core.media` holds the policy): its luma for PDQ and
one greyscale copy for the imagehash algorithms. A caller that also needs the
pixels for something else (the scan's models) passes its own `DecodedImage`,
so the file is decoded once for both.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from saferkit.hashing.algorithms import (
    CRYPTO_ALGOS,
    DEFAULT_HASH_SIZE,
    IMAGEHASH_ALGOS,
    PDQ_LOW_QUALITY,
    normalize_algos,
)
from saferkit.core.media import DecodedImage, DecodePolicy, MediaError, read_media, to_rgb
from saferkit.hashing.decode import DEFAULT_POLICY, IMAGEHASH_MIN_SIDE, hashing_errors
from saferkit.hashing.pdq_reduce import quality, reduce_luma, stretched_to_bytes
from saferkit.hashing.errors import HashFailure, HashingError


def bits_to_hex(bits: np.ndarray) -> str:
    """Pack a bit vector (first bit = most significant) into lower-case hex."""
    return np.packbits(np.asarray(bits, dtype=np.uint8).ravel()).tobytes().hex()


# ITU-R 601 luma weights: what PDQ, Pillow's "L" and "F" conversions and JPEG's Y plane all use.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


def _pixels(image) -> np.ndarray:
    """An "L" or "F" image's pixels as a 2-D array: a view of Pillow's own memory (its Arrow export)
    where the image lies in one block, else a copy. A picture just decoded is out of the cache, and
    copying it cost more than PDQ's reduction of it did."""
    import pyarrow as pa

    try:
        flat = np.asarray(pa.array(image))
    except (ValueError, TypeError, pa.ArrowException):  # rows in several blocks (a large picture), Pillow < 11.2
        flat = None
    if flat is None or flat.shape != (image.height * image.width,):
        return np.asarray(image)
    return flat.reshape(image.height, image.width)


def _reduced_luma(image) -> np.ndarray:
    """PDQ's 64x64 buffer of an "L" or "RGB" image's luma (unrounded from RGB), or of a luma array.

    Unrounded matters: Pillow's 8-bit "L" of an RGB image moved PDQ by up to
    6 bits on blurred scenes. Pillow's "F" conversion computes the ITU-R 601
    luma (R*299 + G*587 + B*114) / 1000 in float32, unrounded, in one C pass;
    that plane is reduced in place of a numpy float luma image (4 ms of 7 for
    PDQ at 768 px, before). Float32 rounding moves the buffer by ~1e-4, far under
    the 1/255 steps the hash's bytes and quality are cut at.
    """
    if isinstance(image, np.ndarray):  # a video frame's luma plane, already computed
        return reduce_luma(image if image.ndim == 2 else image @ LUMA_WEIGHTS)
    return reduce_luma(_pixels(image if image.mode == "L" else image.convert("F")))


def pdq_hashes(image, dihedral: bool = False) -> tuple[list[str], int]:
    """PDQ hash (64 hex digits, the reference's text form) and quality of an "L" or "RGB" image.

    With `dihedral`, the list holds the eight variants (order:
    `algorithms.DIHEDRAL_VARIANTS`); otherwise it holds the hash alone. We
    reduce the luma to PDQ's 64x64 buffer (`pdq_reduce.py`, the reference's
    filter computed as a product) and pdqhash hashes that buffer, stretched
    to 8 bits; the quality comes from the unrounded buffer.
    """
    import pdqhash

    buffer = _reduced_luma(image)
    pixels = stretched_to_bytes(buffer)
    rgb = np.ascontiguousarray(np.repeat(pixels[:, :, None], 3, axis=2))  # pdqhash takes RGB only
    if dihedral:
        variants, _ = pdqhash.compute_dihedral(rgb)
        return [bits_to_hex(bits) for bits in variants], quality(buffer)
    bits, _ = pdqhash.compute(rgb)
    return [bits_to_hex(bits)], quality(buffer)


def _imagehash(name: str, grey, hash_size: int) -> str:
    import imagehash

    function = {"phash": imagehash.phash, "dhash": imagehash.dhash, "ahash": imagehash.average_hash, "whash": imagehash.whash}[name]
    try:
        return str(function(grey, hash_size=hash_size))
    except (AssertionError, ValueError) as exc:
        raise HashingError(f"{name} cannot use hash size {hash_size} on this image: {exc}", kind="unsupported") from exc


def _crypto(data: bytes, algos: Iterable[str]) -> dict[str, str]:
    return {name: hashlib.new(name, data).hexdigest() for name in algos if name in CRYPTO_ALGOS}


def _perceptual(decoded: DecodedImage, algos: tuple[str, ...], hash_size: int, dihedral: bool) -> dict[str, Any]:
    wanted = [name for name in algos if name not in CRYPTO_ALGOS]
    if not wanted and not dihedral:
        return {}
    result = _hash_decoded(decoded.for_hashes(), wanted, hash_size, dihedral)
    if decoded.partial:
        result["partial"] = True  # a truncated file, decoded as far as it goes: matched with a wider PDQ distance
    return result


def hash_image(
    image,
    algos: Iterable[str] | str | None = None,
    *,
    hash_size: int = DEFAULT_HASH_SIZE,
    dihedral: bool = False,
    policy: DecodePolicy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """Perceptual hashes of an in-memory PIL image (converted to RGB by the decode policy's rules).

    For images that never were files (benchmarks, transforms); digests need bytes, so none here.
    """
    wanted = [name for name in normalize_algos(algos) if name not in CRYPTO_ALGOS]
    with hashing_errors():
        rgb = to_rgb(image, policy.alpha)
    return _hash_decoded(rgb, wanted, hash_size, dihedral)


def _hash_decoded(image, wanted: list[str], hash_size: int, dihedral: bool) -> dict[str, Any]:
    """Every perceptual hash asked for, from one decoded "L" or "RGB" image."""
    result: dict[str, Any] = {"width": image.width, "height": image.height}
    if "pdq" in wanted or dihedral:
        hashes, pdq_quality = pdq_hashes(image, dihedral)
        if dihedral:
            result["pdq_dihedral"] = hashes
        result["pdq"] = hashes[0]
        result["pdq_quality"] = pdq_quality
        result["pdq_low_quality"] = pdq_quality < PDQ_LOW_QUALITY
    others = [name for name in wanted if name in IMAGEHASH_ALGOS]
    if others:
        grey = image if image.mode == "L" else image.convert("L")
        factor = min(grey.size) // IMAGEHASH_MIN_SIDE
        if factor >= 2:
            grey = grey.reduce(factor)
        for name in others:
            result[name] = _imagehash(name, grey, hash_size)
    return result


def hash_bytes(
    data: bytes,
    algos: Iterable[str] | str | None = None,
    *,
    policy: DecodePolicy = DEFAULT_POLICY,
    hash_size: int = DEFAULT_HASH_SIZE,
    dihedral: bool = False,
    decoded: DecodedImage | None = None,
) -> dict[str, Any]:
    """Every requested hash of `data`: keys md5, sha1, sha256, pdq, pdq_quality, phash, ...

    `pdq_low_quality` is True when PDQ quality < 50 (kept, flagged). With
    `dihedral=True` the result also has `pdq_dihedral`, the eight variants.
    `decoded`, when given, is `data`'s own DecodedImage (its policy is used), so
    a caller that needs the pixels too decodes once. Raises HashingError for
    undecodable input or a decompression bomb.
    """
    result, error = hash_bytes_partial(data, algos, policy=policy, hash_size=hash_size, dihedral=dihedral, decoded=decoded)
    if error is not None:
        raise HashingError(error, kind=error.kind)
    return result


def hash_bytes_partial(
    data: bytes,
    algos: Iterable[str] | str | None = None,
    *,
    policy: DecodePolicy = DEFAULT_POLICY,
    hash_size: int = DEFAULT_HASH_SIZE,
    dihedral: bool = False,
    decoded: DecodedImage | None = None,
) -> tuple[dict[str, Any], HashFailure | None]:
    """Like `hash_bytes`, but keeps the digests of a file that does not decode and returns the error.

    The error is a `str` (the message) with a `kind` attribute (see `errors.ERROR_KINDS`).
    """
    names = normalize_algos(algos)
    if hash_size < 2:
        raise HashingError("hash size must be at least 2.")
    result: dict[str, Any] = _crypto(data, names)
    try:
        result.update(_perceptual(decoded if decoded is not None else DecodedImage(data, policy), names, hash_size, dihedral))
    except MediaError as exc:
        return result, HashFailure(str(exc), exc.kind)
    except Exception as exc:  # noqa: BLE001 - a library tripping on one odd image must not end a run
        return result, HashFailure(f"hashing failed on this image: {type(exc).__name__}: {exc}", "corrupt")
    return result, None


def hash_file(
    path: str | os.PathLike,
    algos: Iterable[str] | str | None = None,
    *,
    policy: DecodePolicy = DEFAULT_POLICY,
    hash_size: int = DEFAULT_HASH_SIZE,
    dihedral: bool = False,
) -> dict[str, Any]:
    """Hash one file; never raises for a bad file: the row's `error` says what went wrong.

    Keys: `path`, `size`, `error` (None when all went well), `error_kind` (see
    `errors.ERROR_KINDS`) plus those of `hash_bytes`.
    A file that is not an image still gets its cryptographic digests.
    """
    names = normalize_algos(algos)
    path = Path(path)
    row: dict[str, Any] = {"path": str(path), "size": None, "error": None, "error_kind": None}
    try:
        data = _read(path)
    except HashingError as exc:
        row["error"], row["error_kind"] = str(exc), exc.kind
        return row
    row["size"] = len(data)
    result, error = hash_bytes_partial(data, names, policy=policy, hash_size=hash_size, dihedral=dihedral)
    row.update(result)
    if error is not None:
        row["error"], row["error_kind"] = str(error), error.kind
    return row


def _read(path: Path) -> bytes:
    with hashing_errors():
        return read_media(path)
