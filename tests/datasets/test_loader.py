"""load_dataset: the provenance gate and the two accepted layouts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from saferkit.datasets import load_dataset
from saferkit.datasets.loader import DataError
from saferkit.datasets.manifest import MANIFEST_COLUMNS
from saferkit.datasets.provenance import ProvenanceError

VALID = {
    "content": "benign-proxy",
    "source": "hand-drawn shapes by the team",
    "license": "CC0-1.0",
    "permitted_by": "the team that drew them",
    "attestation": {"no_sexual_or_abuse_material": True, "no_identifiable_children": True},
}


def _image_folder(root: Path, layout: dict[str, int], provenance: dict | None = VALID) -> Path:
    for relative, count in layout.items():
        folder = root / relative
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            Image.new("RGB", (8, 8), (i * 20 % 256, 90, 160)).save(folder / f"img{i}.png")
    if provenance is not None:
        (root / "provenance.json").write_text(json.dumps(provenance))
    return root


def test_generated_set_loads_with_contract_columns_and_abspaths(small_set: Path) -> None:
    frame = load_dataset(small_set)
    assert list(frame.columns) == [*MANIFEST_COLUMNS, "abspath"]
    assert frame["flag"].dtype.kind == "i" and frame["seed"].dtype.kind == "i"
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in frame["abspath"])
    assert frame.attrs["provenance"]["content"] == "synthetic"


def test_refuses_a_folder_without_provenance(small_set: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(small_set, copy)
    (copy / "provenance.json").unlink()
    with pytest.raises(ProvenanceError, match="no provenance.json"):
        load_dataset(copy)


@pytest.mark.parametrize("field", ["content", "source", "license", "permitted_by", "attestation"])
def test_refuses_provenance_missing_a_field_and_names_it(tmp_path: Path, field: str) -> None:
    record = {k: v for k, v in VALID.items() if k != field}
    root = _image_folder(tmp_path, {"positive": 1, "negative": 1}, record)
    with pytest.raises(ProvenanceError, match=f"missing field '{field}'"):
        load_dataset(root)


def test_refuses_content_that_is_not_synthetic_or_benign_proxy(tmp_path: Path) -> None:
    root = _image_folder(tmp_path, {"positive": 1, "negative": 1}, {**VALID, "content": "scraped"})
    with pytest.raises(ProvenanceError, match="'content' is 'scraped'"):
        load_dataset(root)


@pytest.mark.parametrize("flag", ["no_sexual_or_abuse_material", "no_identifiable_children"])
def test_refuses_a_false_or_missing_attestation(tmp_path: Path, flag: str) -> None:
    attestation = {**VALID["attestation"], flag: False}
    root = _image_folder(tmp_path / "false", {"positive": 1, "negative": 1}, {**VALID, "attestation": attestation})
    with pytest.raises(ProvenanceError, match=f"attestation.{flag}' must be true"):
        load_dataset(root)
    attestation.pop(flag)
    root = _image_folder(tmp_path / "absent", {"positive": 1, "negative": 1}, {**VALID, "attestation": attestation})
    with pytest.raises(ProvenanceError, match=flag):
        load_dataset(root)


def test_refuses_provenance_that_is_not_json(tmp_path: Path) -> None:
    root = _image_folder(tmp_path, {"positive": 1}, None)
    (root / "provenance.json").write_text("{not json")
    with pytest.raises(ProvenanceError, match="not valid JSON"):
        load_dataset(root)


def test_flat_image_folder_uses_class_names_and_goes_to_test(tmp_path: Path) -> None:
    frame = load_dataset(_image_folder(tmp_path, {"positive": 3, "negative": 2}))
    assert len(frame) == 5
    assert set(frame["split"]) == {"test"}
    assert frame.groupby("flag").size().to_dict() == {0: 2, 1: 3}
    assert set(frame.loc[frame["flag"] == 0, "category"]) == {"none"}
    assert "palette" not in frame.columns  # proxy data has no synthetic attributes


def test_split_image_folder_and_class_lists_from_provenance(tmp_path: Path) -> None:
    provenance = {**VALID, "classes": {"positive": ["stamp", "logo"], "negative": ["plain"]}}
    root = _image_folder(tmp_path, {"train/stamp": 2, "train/plain": 2, "test/logo": 1, "test/plain": 3}, provenance)
    frame = load_dataset(root)
    assert frame.groupby(["split", "flag"]).size().to_dict() == {("test", 0): 3, ("test", 1): 1, ("train", 0): 2, ("train", 1): 2}
    assert set(frame.loc[frame["flag"] == 1, "category"]) == {"stamp", "logo"}
    assert all(p.startswith(("train/", "test/")) for p in frame["path"])


def test_unknown_class_name_says_how_to_declare_it(tmp_path: Path) -> None:
    root = _image_folder(tmp_path, {"cats": 1, "negative": 1})
    with pytest.raises(DataError, match="'cats' is neither positive nor negative"):
        load_dataset(root)


def test_manifest_paths_must_stay_inside_the_folder(small_set: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(small_set, copy)
    lines = (copy / "manifest.csv").read_text().splitlines()
    lines[1] = "../outside.png" + lines[1][lines[1].index(","):]
    (copy / "manifest.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="must be relative"):
        load_dataset(copy)


def test_missing_listed_image_is_reported(small_set: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(small_set, copy)
    first = (copy / "manifest.csv").read_text().splitlines()[1].split(",")[0]
    (copy / first).unlink()
    with pytest.raises(DataError, match="1 listed image"):
        load_dataset(copy)
