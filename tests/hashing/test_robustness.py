"""The robustness benchmark: real transforms, real hashes, tables that say what was measured."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from saferkit.hashing import HashingError
from saferkit.hashing.robustness import BENCH_ALGOS, CSV_COLUMNS, fpr_threshold, run_benchmark


def test_fpr_threshold_is_the_largest_distance_within_the_target():
    distinct = np.array([3] + [40] * 19_999 + [10] * 10_000)
    threshold, fpr = fpr_threshold(distinct, 1e-4)
    assert threshold == 9 and fpr == pytest.approx(1 / 30_000)
    assert fpr_threshold(np.array([0, 5]), 1e-4) == (-1, 0.0)


def test_small_benchmark_writes_csv_markdown_and_plot(tmp_path):
    result = run_benchmark(out=tmp_path, algos=["pdq", "pdq+dihedral", "phash"], count=4, transforms=["jpeg", "mirror"])
    rows = list(csv.DictReader(result.csv_path.open()))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert len(rows) == 3 * 2 * 5
    by_key = {(r["algorithm"], r["transform"], r["severity"]): r for r in rows}
    # light JPEG keeps PDQ close; dihedral PDQ undoes mirrors that plain PDQ cannot
    assert float(by_key[("pdq", "jpeg", "1")]["true_median"]) <= 10
    assert float(by_key[("pdq+dihedral", "mirror", "1")]["recall_at_fpr_1e-4"]) > float(by_key[("pdq", "mirror", "1")]["recall_at_fpr_1e-4"])
    text = result.markdown_path.read_text()
    assert "## pdq+dihedral" in text and "Too few distinct pairs" in text
    assert result.plot_path.stat().st_size > 1000


def test_benchmark_options_are_checked(tmp_path):
    with pytest.raises(HashingError, match="cannot benchmark"):
        run_benchmark(out=tmp_path, algos=["sha256"], count=2)
    with pytest.raises(HashingError, match="unknown transform"):
        run_benchmark(out=tmp_path, count=2, transforms=["melt"])
    with pytest.raises(HashingError, match="fewer than two"):
        (tmp_path / "one").mkdir()
        run_benchmark(images=tmp_path / "one", out=tmp_path, count=2)
    assert "pdq" in BENCH_ALGOS
