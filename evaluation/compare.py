"""`saferkit compare A B --data D`: did a change help? The paired difference of the ranking metric on the same items.

A and B are each a submission (folder or .zip: scored here on D's test split)
or a report folder whose scores.csv holds per-item scores measured on D.
Reports measured on another data set, or private reports without per-item
scores, are refused with the reason: a paired comparison needs both models'
scores on exactly the same items.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from saferkit.core.errors import UserError
from saferkit.evaluation.bootstrap import BootstrapPlan
from saferkit.evaluation.paired import PairedBootstrap, PairedDifference
from saferkit.evaluation.report import REPORT_FILE, read_report
from saferkit.evaluation.report_files import SCORES_CSV


@dataclass(frozen=True)
class ScoredItems:
    """One model's scores on a test split, with who made it and which data it was measured on."""

    name: str
    version: str
    team: str
    sha256: str
    provenance_sha256: str
    paths: tuple[str, ...]
    scores: np.ndarray
    source: str

    @property
    def label(self) -> str:
        return f"{self.team}/{self.name} {self.version} ({self.sha256[:12]})"


@dataclass
class SharedSplit:
    """A data set's test split, decoded once and shared by every submission scored on it."""

    data_dir: Path
    paths: tuple[str, ...]
    labels: np.ndarray
    provenance_sha256: str
    abspaths: tuple[str, ...]
    _images: list | None = None

    @classmethod
    def load(cls, data_dir: str | Path) -> SharedSplit:
        from saferkit.evaluation.sections.about import TestData

        data = TestData.load(Path(data_dir))
        return cls(Path(data_dir), tuple(str(p) for p in data.test["path"]), data.labels.astype(int), data.provenance_sha256,
                   tuple(str(p) for p in data.test["abspath"]))

    def images(self) -> list:
        """The decoded test images (the one decode policy), read on first use and then kept."""
        if self._images is None:
            from saferkit.evaluation.scoring import load_images

            self._images = load_images(list(self.abspaths))
        return self._images


def _is_report(path: Path) -> bool:
    return (path.is_dir() and (path / REPORT_FILE).is_file()) or path.name == REPORT_FILE


def scores_of_report(path: Path, split: SharedSplit) -> ScoredItems:
    """Per-item scores from a report folder, refused unless measured on this very data set."""
    report = read_report(path)
    folder = path if path.is_dir() else path.parent
    sub = report.submission
    if report.provenance_sha256 != split.provenance_sha256:
        raise UserError(f"{path} was measured on another data set (provenance {report.provenance_sha256[:12]}, --data has "
                        f"{split.provenance_sha256[:12]}); compare reports measured on the same data, or pass the submission itself.")
    table = folder / SCORES_CSV
    if not table.is_file():
        raise UserError(f"{folder} has no {SCORES_CSV} (a private report keeps no per-item scores); pass the submission instead, "
                        "so it is scored on --data.")
    by_path: dict[str, float] = {}
    with open(table, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_path[row["path"]] = float(row["score"])
    missing = [p for p in split.paths if p not in by_path]
    if missing or len(by_path) != len(split.paths):
        raise UserError(f"{table} does not score exactly the test items of --data ({len(missing)} missing, {len(by_path)} scored, "
                        f"{len(split.paths)} expected); evaluate both on the same data.")
    scores = np.array([by_path[p] for p in split.paths], dtype=np.float64)
    return ScoredItems(sub["name"], sub["version"], str(sub.get("team", "?")), sub["sha256"], report.provenance_sha256, split.paths, scores, str(path))


def scores_of_submission(path: Path, split: SharedSplit, batch_size: int = 64) -> ScoredItems:
    """Check a submission (nothing runs on an invalid one) and score the shared decoded test images."""
    from saferkit.evaluation.check import check_submission
    from saferkit.evaluation.scoring import score_all

    checked = check_submission(path)
    checked.raise_if_invalid()
    submission, model = checked.submission, checked.model
    if submission is None or model is None:
        raise RuntimeError(f"the check of {path} passed without loading the model")
    probabilities = score_all(model, split.images(), batch_size=batch_size)
    scores = model.positive_scores(probabilities).astype(np.float64)
    team = str(submission.manifest["team"]["name"])
    return ScoredItems(submission.name, submission.version, team, submission.sha256, split.provenance_sha256, split.paths, scores, str(path))


def scored(path: str | Path, split: SharedSplit) -> ScoredItems:
    """A report folder's scores, or a submission scored on the split."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path} does not exist; pass a submission folder or .zip, or a report folder from `saferkit evaluate`.")
    return scores_of_report(path, split) if _is_report(path) else scores_of_submission(path, split)


def compare(a: str | Path, b: str | Path, data: str | Path, metric: str = "roc_auc", resamples: int = 1000, seed: int = 0) -> tuple[ScoredItems, ScoredItems, PairedDifference]:
    """metric(A) - metric(B) on D's test items, with its paired bootstrap interval (and DeLong for ROC-AUC)."""
    split = SharedSplit.load(data)
    first, second = scored(a, split), scored(b, split)
    difference = PairedBootstrap(split.labels, BootstrapPlan(resamples, seed)).compare(first.scores, second.scores, metric)
    return first, second, difference


def render(a: ScoredItems, b: ScoredItems, result: PairedDifference) -> list[str]:
    """Plain lines for the terminal: both values, the difference with its interval, DeLong, and the verdict."""
    lines = [
        f"A: {a.label}  {result.metric} {result.value_a:.4f}",
        f"B: {b.label}  {result.metric} {result.value_b:.4f}",
        f"A - B: {result.difference:+.4f} [{_num(result.ci_low)}, {_num(result.ci_high)}] "
        f"(paired bootstrap, {result.resamples} resamples, seed {result.seed}, {result.n} items)",
    ]
    if result.delong is not None:
        z = "n/a" if result.delong.z is None else f"{result.delong.z:+.3f}"
        lines.append(f"DeLong: z {z}, p {result.delong.p_value:.4g}, sd of the difference {result.delong.variance ** 0.5:.4f}")
    lines.append("verdict: " + ("A and B differ: the interval excludes 0." if result.distinguishable else
                                "not distinguishable on this data: the interval includes 0."))
    return lines


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def as_json(a: ScoredItems, b: ScoredItems, result: PairedDifference) -> dict[str, Any]:
    who = {side: {"name": s.name, "version": s.version, "team": s.team, "sha256": s.sha256, "source": s.source} for side, s in (("a", a), ("b", b))}
    return {**who, "data_provenance_sha256": a.provenance_sha256, "comparison": result.to_json()}


def scored_many(paths: Sequence[str | Path], split: SharedSplit) -> list[ScoredItems]:
    return [scored(p, split) for p in paths]
