"""saferkit.hashing: perceptual and cryptographic hashes, hash lists, a Hamming index.

Public API (docs/CONTRACTS.md): `hash_bytes`, `hash_file`, `HashingError`,
`HashIndex`, `HashMatcher`, `MAX_IMAGE_PIXELS`. Exports load lazily so the CLI
stays fast and `import saferkit.hashing` pulls in no numpy until it is used.
"""

from __future__ import annotations

import importlib
from typing import Any

from saferkit.hashing.errors import HashingError

_EXPORTS = {
    "hash_bytes": "saferkit.hashing.hashers",
    "hash_file": "saferkit.hashing.hashers",
    "hash_bytes_partial": "saferkit.hashing.hashers",
    "hash_image": "saferkit.hashing.hashers",
    "DecodePolicy": "saferkit.hashing.decode",
    "decode_rgb": "saferkit.hashing.decode",
    "MAX_IMAGE_PIXELS": "saferkit.hashing.decode",
    "HashIndex": "saferkit.hashing.index",
    "HashMatcher": "saferkit.hashing.matcher",
    "HashRecord": "saferkit.hashing.hashlist",
    "read_hashlist": "saferkit.hashing.hashlist",
    "write_hashlist": "saferkit.hashing.hashlist",
    "ALL_ALGOS": "saferkit.hashing.algorithms",
    "ALGORITHMS": "saferkit.hashing.algorithms",
    "MAX_PIXELS": "saferkit.hashing.decode",
    "DEFAULT_ALGOS": "saferkit.hashing.algorithms",
    "DIHEDRAL_VARIANTS": "saferkit.hashing.algorithms",
}

__all__ = ["HashingError", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'saferkit.hashing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
