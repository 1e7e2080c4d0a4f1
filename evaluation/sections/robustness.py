"""The report's `robustness`: headline metrics under each transform x severity, the AUC drop from clean,
and a paired bootstrap interval on the drop.

Fail closed: a model whose output breaks under one transform gets that row
marked invalid and the whole section listed under `sections_invalid`, so the
ethics gate cannot read it as robust.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from saferkit.core.errors import UserError
from saferkit.evaluation import ranking
from saferkit.evaluation.bootstrap import BootstrapPlan
from saferkit.evaluation.config import EvaluationConfig, Progress
from saferkit.evaluation.operating_point import is_flagged
from saferkit.evaluation.runner import OnnxTriageModel
from saferkit.evaluation.sections import Invalid

SEED_STRIDE = 1_000_003  # spreads the per-item transform seeds of different evaluation seeds apart


@dataclass(frozen=True)
class RobustnessRow:
    """One transform at one severity: its headline metrics and AUC drop, or why it is invalid."""

    transform: str
    severity: int
    headline: dict[str, float] | None = None
    recall_at_threshold: float | None = None
    auc_drop: float | None = None
    auc_drop_ci: tuple[float | None, float | None] = (None, None)
    reason: str | None = None

    @property
    def valid(self) -> bool:
        return self.reason is None

    def to_json(self) -> dict[str, Any]:
        if self.headline is None:
            return {"transform": self.transform, "severity": self.severity, "valid": False, "reason": self.reason}
        return {
            "transform": self.transform,
            "severity": self.severity,
            "valid": True,
            "roc_auc": self.headline["roc_auc"],
            "recall_at_threshold": self.recall_at_threshold,
            "auc_drop": self.auc_drop,
            "auc_drop_ci_low": self.auc_drop_ci[0],
            "auc_drop_ci_high": self.auc_drop_ci[1],
            "headline": self.headline,
        }


@dataclass(frozen=True)
class RobustnessSubset:
    """The stratified subset of test items the perturbed passes run on, and its clean scores."""

    index: np.ndarray
    images: list[Image.Image]
    labels: np.ndarray
    clean: ranking.RankedItems
    clean_roc_auc: float

    @classmethod
    def draw(cls, images: list[Image.Image], labels: np.ndarray, scores: np.ndarray, max_items: int | None, seed: int) -> RobustnessSubset:
        """All items, or `max_items` of them drawn within each label in its share (at least one per label)."""
        index = np.arange(len(images))
        if max_items and len(images) > max_items:
            rng = np.random.default_rng(seed)
            per_label = [rng.permutation(np.flatnonzero(labels == v))[: max(1, int(max_items * (labels == v).mean()))] for v in (0, 1)]
            index = np.sort(np.concatenate(per_label))
        clean = ranking.RankedItems.build(labels[index], scores[index])
        clean_auc = float(ranking.roc_auc(ranking.cumulative_counts(clean))[0])
        return cls(index, [images[i] for i in index], labels[index], clean, clean_auc)


class _Perturbation:
    """`apply_transform` with a seed per item that does not depend on batching or threads."""

    def __init__(self, name: str, severity: int, subset: RobustnessSubset, seed: int) -> None:
        self.name, self.severity, self.subset, self.seed_base = name, severity, subset, seed * SEED_STRIDE

    def __call__(self, image: Image.Image, i: int) -> Image.Image:
        from saferkit.datasets.transforms import apply_transform

        return apply_transform(image, self.name, self.severity, self.seed_base + int(self.subset.index[i]))


def _measure_row(subset: RobustnessSubset, scores: np.ndarray, name: str, severity: int, threshold: float, config: EvaluationConfig, plan: BootstrapPlan) -> RobustnessRow:
    """Headline metrics on perturbed scores, and the drop from clean with a paired interval (same resamples for both)."""
    from saferkit.evaluation.bootstrap import collect, interval

    y = subset.labels
    ranked = ranking.RankedItems.build(y, scores)
    headline = {k: float(v[0]) for k, v in ranking.headline_metrics(ranking.cumulative_counts(ranked), config.precision_k).items()}
    recall = float((is_flagged(scores, threshold) & (y == 1)).sum() / (y == 1).sum())

    def paired(weights: np.ndarray) -> dict[str, np.ndarray]:
        return {"drop": ranking.roc_auc(ranking.cumulative_counts(subset.clean, weights)) - ranking.roc_auc(ranking.cumulative_counts(ranked, weights))}

    ci = interval(collect(y, plan, paired)["drop"], plan.confidence)
    return RobustnessRow(name, severity, headline, recall, subset.clean_roc_auc - headline["roc_auc"], ci)


@dataclass
class Robustness:
    """Every row, with the largest and mean AUC drop over the valid ones."""

    rows: list[RobustnessRow] = field(default_factory=list)
    clean_roc_auc: float | None = None
    items: int = 0
    severities: tuple[int, ...] = ()
    resamples_for_drop: int = 0
    invalid: list[Invalid] = field(default_factory=list)
    note: str | None = None

    @classmethod
    def skipped(cls) -> Robustness:
        return cls(invalid=[Invalid("robustness", "skipped by the evaluator (--no-robustness)")], note="skipped (--no-robustness)")

    @classmethod
    def compute(
        cls, model: OnnxTriageModel, images: list[Image.Image], labels: np.ndarray, scores: np.ndarray, config: EvaluationConfig, progress: Progress
    ) -> Robustness:
        """Score the subset under every transform x severity; a row whose output breaks is kept, marked invalid."""
        from saferkit.datasets.transforms import TRANSFORMS
        from saferkit.evaluation.runner import ModelOutputError
        from saferkit.evaluation.scoring import score_all

        names = config.transforms or TRANSFORMS
        unknown = [n for n in names if n not in TRANSFORMS]
        if unknown:
            raise UserError(f"unknown transform(s) {', '.join(unknown)}; use any of {', '.join(TRANSFORMS)}.")
        subset = RobustnessSubset.draw(images, labels, scores, config.robustness_max_items, config.seed)
        plan = BootstrapPlan(config.robustness_resamples, config.seed)
        section = cls(clean_roc_auc=subset.clean_roc_auc, items=len(subset.images), severities=tuple(config.severities), resamples_for_drop=config.robustness_resamples)
        progress.start("robustness", len(names) * len(config.severities) * len(subset.images))
        for name in names:
            for severity in config.severities:
                perturb = _Perturbation(name, severity, subset, config.seed)
                try:
                    probabilities = score_all(model, subset.images, batch_size=config.batch_size, perturb=perturb, workers=config.workers, on_progress=progress.advance)
                except ModelOutputError as exc:
                    section.invalid.append(Invalid(f"robustness/{name}/{severity}", str(exc)))
                    section.rows.append(RobustnessRow(name, severity, reason=str(exc)))
                    continue
                perturbed = model.positive_scores(probabilities).astype(np.float64)
                section.rows.append(_measure_row(subset, perturbed, name, severity, model.submission.threshold, config, plan))
        if section.invalid:
            broken = ", ".join(entry.section.split("/", 1)[1] for entry in section.invalid)
            section.invalid.append(Invalid("robustness", f"model output invalid under {broken}; max_auc_drop covers the valid rows only"))
        return section

    @property
    def drops(self) -> list[float]:
        return [row.auc_drop for row in self.rows if row.valid and row.auc_drop is not None]

    @property
    def max_auc_drop(self) -> float | None:
        return max(self.drops) if self.drops else None

    def to_json(self) -> dict[str, Any]:
        if self.note is not None:
            return {"rows": [], "max_auc_drop": None, "mean_auc_drop": None, "note": self.note}
        drops = self.drops
        section: dict[str, Any] = {
            "rows": [row.to_json() for row in self.rows],
            "clean_roc_auc": self.clean_roc_auc,
            "items": self.items,
            "severities": list(self.severities),
            "max_auc_drop": self.max_auc_drop,
            "mean_auc_drop": float(np.mean(drops)) if drops else None,
            "resamples_for_drop": self.resamples_for_drop,
        }
        if drops:
            worst = max((row for row in self.rows if row.valid), key=lambda row: row.auc_drop or 0.0)
            section["worst"] = {"transform": worst.transform, "severity": worst.severity, "auc_drop": worst.auc_drop}
        return section
