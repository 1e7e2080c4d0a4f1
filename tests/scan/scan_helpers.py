"""Shared by the scan tests: procedural folders (no people), bad inputs, hash lists, in-process scans."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from rich.console import Console

from saferkit.serving.scan import store
from saferkit.serving.scan.runner import ScanOptions, run_scan


def scan(out: Path, source: Path, **options: Any) -> dict[str, Any]:
    """Run `saferkit scan` in-process without a progress bar; returns the summary.

    The toy models never qualify (no scorecard), so they are allowed as `--allow-unqualified` would.
    """
    options.setdefault("allow_unqualified", True)
    return run_scan(ScanOptions(out=out, source=source, progress=False, **options), Console(file=io.StringIO()))


def rows_by_name(out: Path) -> dict[str, dict[str, Any]]:
    return {Path(row["path"]).name: row for row in store.read_rows(out).to_pylist()}


def make_images(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """`n` small PNG/JPEG images whose redness (the toy model's score) rises with the index."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        pixels = rng.integers(0, 256, (24 + i % 5, 32, 3), dtype=np.uint8)
        pixels[..., 0] = (i * 37) % 256
        sub = folder / ("nested" if i % 3 == 0 else "")
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"img{i:03d}.{'jpg' if i % 4 == 0 else 'png'}"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


def png_bomb_bytes(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG whose header declares far more pixels than the hashing limit (the data is a stub)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def add_bad_inputs(folder: Path) -> dict[str, Path]:
    """One file (or link) of each bad kind the walk and the worker must survive."""
    bad = folder / "bad"
    bad.mkdir(parents=True, exist_ok=True)
    made = {
        "zero_byte": bad / "empty.png",
        "corrupt": bad / "broken.jpg",
        "not_image": bad / "notes.txt",
        "too_large": bad / "bomb.png",
        "unreadable": bad / "dangling.png",
        "symlink_loop": bad / "loop",
        "self_loop": bad / "self.png",
        "not_regular": bad / "pipe.png",
    }
    made["zero_byte"].write_bytes(b"")
    made["corrupt"].write_bytes(b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10)
    made["not_image"].write_text("case notes, not an image\n", encoding="utf-8")
    made["too_large"].write_bytes(png_bomb_bytes())
    os.symlink(bad / "missing-target.png", made["unreadable"])
    os.symlink("..", made["symlink_loop"])  # a folder link back up the tree
    os.symlink("self.png", made["self_loop"])  # a link to itself
    os.mkfifo(made["not_regular"])
    return made


def write_hashlist(target: Path, md5_files: list[Path], pdq_files: list[Path]) -> Path:
    """A CSV hash list holding the md5 of some files and the PDQ of others."""
    from saferkit.hashing import hash_bytes

    lines = ["hash_type,hash,id,category,source"]
    for i, path in enumerate(md5_files):
        lines.append(f"md5,{hash_bytes(path.read_bytes(), ['md5'])['md5']},M{i},cat-md5,test")
    for i, path in enumerate(pdq_files):
        lines.append(f"pdq,{hash_bytes(path.read_bytes(), ['pdq'])['pdq']},P{i},cat-pdq,test")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
