"""Content digests that tie scorecards, reports and catalogue entries to artefacts."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def bytes_sha256(data: bytes) -> str:
    """sha256 of bytes in memory."""
    return hashlib.sha256(data).hexdigest()


def files_digest(named_digests: dict[str, str]) -> str:
    """One digest over (name, sha256) pairs, independent of order or container."""
    digest = hashlib.sha256()
    for name in sorted(named_digests):
        digest.update(f"{name}\0{named_digests[name]}\n".encode())
    return digest.hexdigest()
