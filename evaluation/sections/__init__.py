"""The evaluation report, one typed section each: how it is computed and how it appears in report.json.

Each section is a dataclass with a constructor that computes it from the
evaluation's inputs and a `to_json()` that returns exactly the shape
docs/CONTRACTS.md documents; `EvaluationReport` (sections/report.py) assembles
them in report.json's order. A section that cannot be computed says so in
`sections_invalid` instead of holding a made-up number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Metric = dict[str, Any]  # {"value", "ci_low", "ci_high"[, "note"]}: report.json's leaf for a number with uncertainty


@dataclass(frozen=True)
class Invalid:
    """A section (or part of one, such as `robustness/jpeg/3`) that could not be computed, and why."""

    section: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"section": self.section, "reason": self.reason}
