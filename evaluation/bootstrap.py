"""Stratified, seeded bootstrap: resample counts in fixed-size chunks, percentile intervals.

Each resample draws, within every stratum (by default the label), as many items
as the stratum holds, with replacement. The draws are stored as counts per item
so the vectorised metrics in `ranking`, `calibration` and `bias` can use them as
weights. Chunks have a fixed size so the same seed gives the same intervals
whatever the data size, and memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

CHUNK = 50
CONFIDENCE = 0.95


@dataclass(frozen=True)
class BootstrapPlan:
    """What a set of intervals was computed with; recorded in the report."""

    resamples: int
    seed: int
    confidence: float = CONFIDENCE


def resample_counts(strata: np.ndarray, plan: BootstrapPlan) -> Iterator[np.ndarray]:
    """Yield `(chunk, n_items)` count matrices until `plan.resamples` rows have been produced."""
    strata = np.asarray(strata)
    rng = np.random.default_rng(plan.seed)
    members = [np.flatnonzero(strata == value) for value in np.unique(strata)]
    n = len(strata)
    done = 0
    while done < plan.resamples:
        rows = min(CHUNK, plan.resamples - done)
        counts = np.zeros((rows, n), dtype=np.float64)
        offsets = np.arange(rows)[:, None]
        for index in members:
            size = len(index)
            draws = rng.integers(0, size, size=(rows, size)) + offsets * size
            counts[:, index] = np.bincount(draws.ravel(), minlength=rows * size).reshape(rows, size)
        done += rows
        yield counts


def collect(
    strata: np.ndarray, plan: BootstrapPlan, compute: Callable[[np.ndarray], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Run `compute(counts)` on every chunk and join its per-resample arrays."""
    parts: dict[str, list[np.ndarray]] = {}
    for counts in resample_counts(strata, plan):
        for name, values in compute(counts).items():
            parts.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
    return {name: np.concatenate(chunks, axis=0) for name, chunks in parts.items()}


def interval(samples: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float | None, float | None]:
    """Percentile interval over resamples where the metric is defined; None when too few are."""
    finite = samples[np.isfinite(samples)]
    if len(finite) < max(10, 0.5 * len(samples)):
        return None, None
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)


def metric(value: float | None, samples: np.ndarray | None, confidence: float = CONFIDENCE, note: str | None = None) -> dict:
    """A metric with uncertainty in the report's shape: value, ci_low, ci_high (and a note)."""
    if value is None or not np.isfinite(value):
        return {"value": None, "ci_low": None, "ci_high": None, "note": note or "not defined for this data"}
    low, high = (None, None) if samples is None else interval(samples, confidence)
    out: dict[str, float | str | None] = {"value": float(value), "ci_low": low, "ci_high": high}
    if note:
        out["note"] = note
    elif samples is not None and low is None:
        out["note"] = "interval not estimable: the metric is undefined in most resamples"
    return out


def not_estimable(note: str) -> dict:
    """A metric that cannot be estimated, with the reason."""
    return {"value": None, "ci_low": None, "ci_high": None, "note": note}
