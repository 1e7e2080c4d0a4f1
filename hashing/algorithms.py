"""Names of the hash algorithms and what kind each one is.

Kept apart from the code that computes them so hash lists, the index and the
CLI can validate names without importing numpy, Pillow or pdqhash.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

CRYPTO_ALGOS = ("md5", "sha1", "sha256")
IMAGEHASH_ALGOS = ("phash", "dhash", "ahash", "whash")
PERCEPTUAL_ALGOS = ("pdq",) + IMAGEHASH_ALGOS
ALL_ALGOS = CRYPTO_ALGOS + PERCEPTUAL_ALGOS
ALGORITHMS = ALL_ALGOS  # the name serving uses
DEFAULT_ALGOS = ("md5", "sha1", "sha256", "pdq", "phash", "dhash")

# Hashes too weak to call a match on: on procedurally drawn or flat pictures
# distinct images share them (an all-zero dHash matched unrelated files). They
# are computed on request but kept off lists and out of matching unless asked.
WEAK_ALGOS = ("ahash", "dhash", "whash")  # wHash: 265 distinct pairs with identical hashes in the benchmark
LIST_ALGOS = tuple(name for name in ALL_ALGOS if name not in WEAK_ALGOS)  # what `hashlist build` writes by default
# What the scan always computes: the three digests every list uses, and PDQ, the industry's picture hash
# (kept on every row so a later list can be matched without reading the media again). Other perceptual
# hashes are computed when a loaded list carries them (`scan_algos`): each one costs as much again as PDQ
# for a column nothing would read.
SCAN_ALGOS = CRYPTO_ALGOS + ("pdq",)

# Hex digits of each cryptographic digest.
CRYPTO_HEX_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64}

PDQ_BITS = 256
PDQ_LOW_QUALITY = 50  # PDQ quality under this (the reference's cut-off): no near match without an exact one
# A perceptual hash with fewer than this share of its bits set (or unset) is
# drawn from a flat or near-flat picture: it carries too little to match on.
FLAT_BIT_SHARE = 0.1
DEFAULT_HASH_SIZE = 8  # imagehash side length: 8 gives 64-bit hashes

# Default Hamming thresholds for matching, each at or under the distance where
# the robustness benchmark (`saferkit hashing bench`, 40 generated scenes,
# 102,960 distinct pairs) measured a false-match rate of at most 1e-4; see
# docs/hashing.md "Thresholds". PDQ keeps the reference project's 31 (closest
# distinct pair measured: 90 bits); pHash 10 (closest distinct pair 12);
# dHash 10 (closest 15); aHash and wHash 0, because distinct scenes share
# identical aHash (8 pairs) and wHash (265 pairs) values.
DEFAULT_THRESHOLDS = {"pdq": 31, "phash": 10, "dhash": 10, "ahash": 0, "whash": 0}


def partial_threshold(threshold: int) -> int:
    """The PDQ distance allowed for a partial decode (a carved, truncated file): twice the threshold plus one.

    Rows a truncated baseline JPEG lacks are filled grey, which moves PDQ well past 31 bits
    (median 34 at 80% of the bytes, 46 at 70%); copies of distinct scenes stay 98 bits or more
    apart (`benchmarks/bench_thresholds.py`, "partial decodes"). Only PDQ, only for rows marked partial.
    """
    return 2 * threshold + 1

# Names that hash lists use for the same algorithm.
ALIASES = {
    "sha-1": "sha1",
    "sha-256": "sha256",
    "sha_256": "sha256",
    "sha_1": "sha1",
    "md-5": "md5",
    "pdqhash": "pdq",
    "pdq_hash": "pdq",
    "photodna": "photodna",
}

# The eight PDQ dihedral variants, in the order pdqhash.compute_dihedral returns them.
DIHEDRAL_VARIANTS = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)


@lru_cache(maxsize=1024)
def canonical_name(name: str) -> str:
    """Lower-case a hash type name and map known aliases onto saferkit's names (cached: lists repeat them)."""
    key = name.strip().lower()
    return ALIASES.get(key, key)


def normalize_algos(algos: Iterable[str] | str | None) -> tuple[str, ...]:
    """Validate a user's algorithm choice; `None` means the defaults, "all" means all.

    Raises HashingError naming the unknown algorithm and the known ones.
    """
    from saferkit.hashing.errors import HashingError

    if algos is None:
        return DEFAULT_ALGOS
    if isinstance(algos, str):
        algos = [algos]
    chosen: list[str] = []
    for item in algos:
        for part in str(item).split(","):
            name = canonical_name(part)
            if not name:
                continue
            if name == "all":
                chosen.extend(ALL_ALGOS)
                continue
            if name not in ALL_ALGOS:
                raise HashingError(f"unknown hash algorithm {part.strip()!r}; choose from {', '.join(ALL_ALGOS)} or all.")
            chosen.append(name)
    if not chosen:
        raise HashingError(f"no hash algorithm chosen; choose from {', '.join(ALL_ALGOS)}.")
    return tuple(dict.fromkeys(chosen))


def is_crypto(hash_type: str) -> bool:
    """True for digests matched exactly (MD5, SHA-1, SHA-256), False for Hamming-matched hashes."""
    return canonical_name(hash_type) in CRYPTO_ALGOS


def is_weak(hash_type: str) -> bool:
    """True for hashes kept out of matching by default (aHash, dHash)."""
    return canonical_name(hash_type) in WEAK_ALGOS


def scan_algos(listed_types: Iterable[str], allow_weak: bool = False) -> tuple[str, ...]:
    """What a scan computes when not told: `SCAN_ALGOS`, plus each perceptual hash a loaded list carries
    and the scan will match (a weak one only with `allow_weak`)."""
    listed = {canonical_name(name) for name in listed_types}
    extra = tuple(name for name in IMAGEHASH_ALGOS if name in listed and (allow_weak or not is_weak(name)))
    return SCAN_ALGOS + extra


def low_information_reason(hashes: dict) -> str | None:
    """Why a picture's perceptual hashes are too poor to match on (None when they are fine).

    PDQ quality under the reference's 50, or a perceptual hash whose set bits
    are nearly all 0 or all 1 (a flat or near-flat picture), means distinct
    pictures share the hash; such a file never gets a near match without an
    exact one.
    """
    quality = hashes.get("pdq_quality")
    if quality is not None and hashes.get("pdq") and int(quality) < PDQ_LOW_QUALITY:
        return f"PDQ quality {int(quality)} is under {PDQ_LOW_QUALITY}"
    for name in PERCEPTUAL_ALGOS:
        value = hashes.get(name)
        if not isinstance(value, str) or not value:
            continue
        try:
            ones = bin(int(value, 16)).count("1")
        except ValueError:
            continue
        bits = 4 * len(value)
        if min(ones, bits - ones) < FLAT_BIT_SHARE * bits:
            return f"{name} has {ones} of {bits} bits set (a flat or near-flat picture)"
    return None
