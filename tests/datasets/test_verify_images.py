"""`data check --verify-images` decodes each image as training and evaluation will (the one decode)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from saferkit.datasets.check import check_dataset


def test_verify_images_names_the_files_the_kit_cannot_decode(small_set: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(small_set, root)
    images = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if len(images) < 2:
        pytest.skip("the generated set has too few images")
    images[0].write_bytes(images[0].read_bytes()[:60])  # truncated
    images[1].write_bytes(b"")  # empty
    report = check_dataset(root, verify_images=True)
    assert sorted(Path(p).name for p in report.unreadable_files) == sorted(p.name for p in images[:2])
    assert check_dataset(small_set, verify_images=True).unreadable_files == []
