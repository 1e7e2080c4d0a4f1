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

# Hex digits of each cryptographic digest.
CRYPTO_HEX_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64}

PDQ_BITS = 256
PDQ_LOW_QUALITY = 50  # PDQ quality under this: kept, but flagged as unreliable
DEFAULT_HASH_SIZE = 8  # imagehash side length: 8 gives 64-bit hashes

# Default Hamming thresholds for matching (PDQ's is the reference project's 31).
DEFAULT_THRESHOLDS = {"pdq": 31, "phash": 10, "dhash": 10, "ahash": 8, "whash": 8}

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
