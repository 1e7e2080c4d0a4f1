"""The generator: reproducible bytes, exact balance, injected bias, valid outputs."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from saferkit.datasets import load_dataset
from saferkit.datasets.manifest import ATTRIBUTES, CATEGORIES, MANIFEST_COLUMNS, SPLITS
from saferkit.datasets.plan import make_config, plan_rows, split_sizes
from saferkit.datasets.provenance import require_provenance
from saferkit.datasets.synth import generate


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_identical_bytes_whatever_the_worker_count(tmp_path: Path) -> None:
    config = make_config(n=48, seed=5, size=24, spurious=["device=low:0.8"])
    generate(tmp_path / "one", config, workers=1)
    generate(tmp_path / "two", config, workers=2)
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert len([p for p in one if p.startswith("images/")]) == sum(split_sizes(config).values())
    assert one == two
    generate(tmp_path / "other", make_config(n=48, seed=6, size=24, spurious=["device=low:0.8"]), workers=2)
    other = _tree(tmp_path / "other")
    assert other["manifest.csv"] != one["manifest.csv"]
    assert sum(other[p] != one[p] for p in one if p.startswith("images/")) > 40


def test_manifest_has_exactly_the_contract_columns_and_consistent_rows(small_set: Path) -> None:
    with open(small_set / "manifest.csv", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [dict(zip(header, line)) for line in reader]
    assert tuple(header) == MANIFEST_COLUMNS
    assert len({row["seed"] for row in rows}) == len(rows)
    for row in rows:
        assert row["split"] in SPLITS
        assert row["path"] == f"images/{row['split']}/{Path(row['path']).name}"
        assert (row["category"] in CATEGORIES) == (row["flag"] == "1")
        assert row["category"] == "none" or row["flag"] == "1"
        for attribute, values in ATTRIBUTES.items():
            assert row[attribute] in values


def test_images_are_rgb_of_the_requested_size(small_set: Path) -> None:
    frame = load_dataset(small_set)
    for path in frame["abspath"]:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.mode == "RGB" and image.size == (32, 32)


def test_jpeg_format_writes_decodable_jpegs(tmp_path: Path) -> None:
    generate(tmp_path / "j", make_config(n=10, seed=1, size=40, image_format="jpeg"), workers=1)
    frame = load_dataset(tmp_path / "j")
    assert all(p.endswith(".jpg") for p in frame["path"])
    with Image.open(frame["abspath"].iloc[0]) as image:
        assert image.format == "JPEG" and image.size == (40, 40)


@pytest.mark.parametrize("attribute", list(ATTRIBUTES))
def test_attributes_are_balanced_and_independent_of_the_label_by_default(attribute: str) -> None:
    rows = plan_rows(make_config(n=900, seed=3))
    for split in ("train", "val", "test"):
        for flag in (0, 1):
            group = [row[attribute] for row in rows if row["split"] == split and row["flag"] == flag]
            counts = Counter(group)
            assert set(counts) == set(ATTRIBUTES[attribute])
            assert max(counts.values()) - min(counts.values()) <= 1, (split, flag, counts)


def test_labels_and_categories_are_balanced() -> None:
    rows = plan_rows(make_config(n=1000, seed=2))
    assert abs(sum(row["flag"] for row in rows) - 500) <= 3
    categories = Counter(row["category"] for row in rows if row["flag"] == 1)
    assert set(categories) == set(CATEGORIES)
    assert max(categories.values()) - min(categories.values()) <= 3


def _share(rows: list[dict], split: str, flag: int, attribute: str, value: str) -> float:
    group = [row for row in rows if row["split"] == split and row["flag"] == flag]
    return sum(row[attribute] == value for row in group) / len(group)


@pytest.mark.parametrize("spec, attribute, value, rho", [
    ("palette=b:0.9", "palette", "b", 0.9),
    ("occlusion=heavy:0.75", "occlusion", "heavy", 0.75),
    ("lighting=dark:0.1", "lighting", "dark", 0.1),
])
def test_spurious_strength_is_met_in_train_and_reversed_in_conflicting(spec: str, attribute: str, value: str, rho: float) -> None:
    rows = plan_rows(make_config(n=1200, seed=4, spurious=[spec]))
    assert abs(_share(rows, "train", 1, attribute, value) - rho) <= 0.03
    assert abs(_share(rows, "train", 0, attribute, value) - (1 - rho)) <= 0.03
    for flag in (0, 1):
        assert abs(_share(rows, "test_balanced", flag, attribute, value) - 0.5) <= 0.03
        for split in ("val", "test"):
            assert abs(_share(rows, split, flag, attribute, value) - 1 / 3) <= 0.03
    assert abs(_share(rows, "test_conflicting", 1, attribute, value) - (1 - rho)) <= 0.03
    assert abs(_share(rows, "test_conflicting", 0, attribute, value) - rho) <= 0.03
    other = "device" if attribute != "device" else "scale"
    for flag in (0, 1):  # other attributes stay balanced
        counts = Counter(row[other] for row in rows if row["split"] == "train" and row["flag"] == flag)
        assert max(counts.values()) - min(counts.values()) <= 1


def test_spurious_adds_test_variants_of_test_size() -> None:
    sizes = split_sizes(make_config(n=100, spurious=["palette=a:0.8"]))
    assert sizes == {"train": 70, "val": 10, "test": 20, "test_balanced": 20, "test_conflicting": 20}
    assert set(split_sizes(make_config(n=100))) == {"train", "val", "test"}


def test_provenance_records_generator_seed_parameters_and_manifest_digest(small_set: Path) -> None:
    record = require_provenance(small_set)
    assert record["content"] == "synthetic"
    assert record["attestation"]["no_sexual_or_abuse_material"] is True
    assert record["attestation"]["no_identifiable_children"] is True
    assert record["generator"]["name"] and record["generator"]["version"]
    assert record["seed"] == 11
    assert record["parameters"]["n"] == 80 and record["parameters"]["spurious"] == ["palette=b:0.9"]
    assert record["manifest_sha256"] == hashlib.sha256((small_set / "manifest.csv").read_bytes()).hexdigest()
    assert json.loads((small_set / "provenance.json").read_text())["classes"]["positive"] == list(CATEGORIES)


def test_datasheet_has_every_section_and_the_counts(small_set: Path) -> None:
    text = (small_set / "DATASHEET.md").read_text()
    for heading in ("## Motivation", "## Composition", "## Collection process", "## Uses", "## Distribution",
                    "## Maintenance"):
        assert heading in text
    assert "Forbidden" in text and "palette=b" in text
    frame = load_dataset(small_set)
    train = frame[frame["split"] == "train"]
    count = int(((train["palette"] == "b") & (train["flag"] == 1)).sum())
    line = next(line for line in text.splitlines() if line.startswith("| b |"))
    assert line.split("|")[3].strip() == str(count)  # train flag 1 column of the palette table


def test_overwrite_replaces_an_earlier_set_but_not_foreign_files(tmp_path: Path) -> None:
    from saferkit.core.errors import UserError

    out = tmp_path / "set"
    generate(out, make_config(n=6, seed=1, size=16), workers=1)
    first = _tree(out)
    generate(out, make_config(n=8, seed=2, size=16), workers=1, overwrite=True)
    assert _tree(out) != first and len(load_dataset(out)) == 8
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(UserError, match="not a saferkit data set"):
        generate(foreign, make_config(n=6, seed=1, size=16), workers=1, overwrite=True)
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "set"]
