"""The manifest contract: the columns every data set in the kit has.

This is the one place that names them; the generator writes them, and the
baseline, evaluation, bias reports and loaders read them from here.
"""

from __future__ import annotations

from pathlib import Path

MANIFEST_NAME = "manifest.csv"

# Subgroup attributes the synthetic generator records, with their allowed values.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "palette": ("a", "b", "c"),
    "lighting": ("dark", "normal", "bright"),
    "background": ("plain", "texture", "clutter"),
    "device": ("hq", "mid", "low"),
    "scale": ("small", "medium", "large"),
    "occlusion": ("none", "partial", "heavy"),
}

# Benign target-marker kinds drawn in positives; negatives have category "none".
CATEGORIES: tuple[str, ...] = ("star", "ring", "cross", "diamond")
NEGATIVE_CATEGORY = "none"

# Split names. Spurious-correlation sets add the two test variants.
TRAIN, VAL, TEST = "train", "val", "test"
TEST_BALANCED, TEST_CONFLICTING = "test_balanced", "test_conflicting"
SPLITS: tuple[str, ...] = (TRAIN, VAL, TEST, TEST_BALANCED, TEST_CONFLICTING)
TEST_SPLITS: tuple[str, ...] = (TEST, TEST_BALANCED, TEST_CONFLICTING)

# Columns in order. `path` is relative to the data root, with forward slashes.
REQUIRED_COLUMNS: tuple[str, ...] = ("path", "split", "flag", "category")
MANIFEST_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + tuple(ATTRIBUTES) + ("seed",)


def manifest_path(root: str | Path) -> Path:
    """Where a data set's manifest lives."""
    return Path(root) / MANIFEST_NAME
