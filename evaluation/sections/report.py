"""The whole report: every section in report.json's order, the claims checked against them, and the one-line summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from saferkit.evaluation.config import EvaluationConfig
from saferkit.evaluation.efficiency import Efficiency
from saferkit.evaluation.sections import Invalid, Metric
from saferkit.evaluation.sections.about import SubmissionSection, TestData
from saferkit.evaluation.sections.accuracy import Accuracy
from saferkit.evaluation.sections.groups import Bias, Multiclass
from saferkit.evaluation.sections.robustness import Robustness
from saferkit.evaluation.sections.variants import Variants

SCHEMA_VERSION = 1
KIND = "saferkit-evaluation-report"


def format_metric(m: Metric | None) -> str:
    """`0.912 [0.880, 0.940]`, `0.912` without an interval, or `n/a`."""
    if not m or m.get("value") is None:
        return "n/a"
    if m.get("ci_low") is None:
        return f"{m['value']:.3f}"
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


@dataclass
class EvaluationReport:
    """Every section of one evaluation; `to_json()` is report.json."""

    submission: SubmissionSection
    data: TestData
    config: EvaluationConfig
    software: dict[str, str]
    accuracy: Accuracy
    bias: Bias
    variants: Variants
    robustness: Robustness
    efficiency: Efficiency
    declared_claims: dict[str, float] = field(default_factory=dict)
    multiclass: Multiclass | None = None

    @property
    def invalid(self) -> list[Invalid]:
        """Sections that could not be computed, in the order they were found."""
        found = self.variants.invalid + self.robustness.invalid
        if not self.efficiency.valid:
            found.append(Invalid("efficiency", self.efficiency.reason or "timing failed"))
        return found

    def summary(self) -> str:
        """One line a person reads first: AUC, recall at the threshold, worst group, robustness."""
        parts = [
            f"ROC-AUC {format_metric(self.accuracy.headline['roc_auc'])}",
            f"recall@threshold {format_metric(self.accuracy.operating_point.recall)}",
            f"worst-group recall {format_metric(self.bias.worst_group_recall)}",
        ]
        if self.robustness.max_auc_drop is not None:
            parts.append(f"max AUC drop under transforms {self.robustness.max_auc_drop:.3f}")
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """report.json: the shape of evaluation/schemas/report.schema.json and docs/CONTRACTS.md."""
        from saferkit.evaluation.claims import check_claims

        report: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "kind": KIND,
            "private": self.config.private,
            "submission": self.submission.to_json(),
            "data": self.data.to_json(),
            "config": self.config.to_json(),
            "software": self.software,
            "headline": self.accuracy.headline,
            "operating_point": self.accuracy.operating_point.to_json(),
            "calibration": self.accuracy.calibration.to_json(),
            "precision_k": self.accuracy.precision_k,
            "bias": self.bias.to_json(),
            "curves": self.accuracy.curves,  # aggregates only: safe in private reports too
        }
        if self.multiclass is not None:
            report["multiclass"] = self.multiclass.to_json()
        report["variants"] = self.variants.to_json()
        report["robustness"] = self.robustness.to_json()
        report["efficiency"] = self.efficiency.to_json()
        report["claims"] = check_claims(self.declared_claims, report)
        report["sections_invalid"] = [entry.to_json() for entry in self.invalid]
        report["headline_summary"] = self.summary()
        return report
