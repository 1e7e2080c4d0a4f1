"""Synthetic evidence folders for the evidence tests: noise pictures, flat pictures, exact copies (no people)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))  # evidence_helpers, as the scan tests do

from evidence_helpers import flat_picture, noise_picture  # noqa: E402


@pytest.fixture
def drive(tmp_path: Path) -> dict:
    """A small synthetic drive: listed pictures, exact copies, a re-encoded copy, flat pictures, unlisted noise."""
    root = tmp_path / "drive"
    listed = [noise_picture(root / "a" / f"listed{i}.png", seed=i) for i in range(3)]
    copies = [root / "b" / "copy-of-listed0.png", root / "c" / "deep" / "again-listed0.png"]
    for copy in copies:
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(listed[0], copy)
    with Image.open(listed[1]) as image:  # a re-encoded copy: near, not exact
        reencoded = root / "b" / "listed1-reencoded.jpg"
        image.save(reencoded, quality=95)
    flat_listed = flat_picture(tmp_path / "elsewhere" / "flat-listed.png", 90)  # on the list, not on the drive
    flat_on_drive = flat_picture(root / "d" / "flat-unrelated.png", 200)  # all-zero dHash, PDQ quality 0
    unlisted = [noise_picture(root / "e" / f"other{i}.png", seed=100 + i) for i in range(4)]
    return {"root": root, "listed": listed, "copies": copies, "reencoded": reencoded, "flat_listed": flat_listed,
            "flat_on_drive": flat_on_drive, "unlisted": unlisted}


@pytest.fixture
def known_list(tmp_path: Path, drive: dict) -> Path:
    """A CSV list with MD5 and PDQ of listed pictures, and every hash (dHash too) of a flat picture."""
    from saferkit.hashing import hash_bytes

    lines = ["hash_type,hash,id,category,source"]
    for i, path in enumerate(drive["listed"]):
        hashes = hash_bytes(path.read_bytes(), ["md5", "pdq"])
        lines.append(f"md5,{hashes['md5']},{100 + i},1,test")
        lines.append(f"pdq,{hashes['pdq']},{100 + i},1,test")
    flat = hash_bytes(drive["flat_listed"].read_bytes(), ["md5", "pdq", "phash", "dhash", "ahash"])
    for name in ("md5", "pdq", "phash", "dhash", "ahash"):
        lines.append(f"{name},{flat[name]},900,2,test")
    target = tmp_path / "known.csv"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
