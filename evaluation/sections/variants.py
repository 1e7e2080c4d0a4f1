"""The report's `variants`: headline results on test_balanced and test_conflicting when the data has them.

A model that learned a shortcut does well where the cue agrees with the label
and collapses where it is reversed (test_conflicting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from saferkit.evaluation.bootstrap import BootstrapPlan
from saferkit.evaluation.config import EvaluationConfig, Progress
from saferkit.evaluation.runner import OnnxTriageModel
from saferkit.evaluation.sections import Invalid
from saferkit.evaluation.sections.accuracy import Accuracy, Variant


@dataclass
class Variants:
    """One `Variant` per split present; a split with one class only is listed as invalid."""

    splits: dict[str, Variant] = field(default_factory=dict)
    invalid: list[Invalid] = field(default_factory=list)

    @classmethod
    def compute(cls, frame: pd.DataFrame, model: OnnxTriageModel, config: EvaluationConfig, plan: BootstrapPlan, progress: Progress) -> Variants:
        from saferkit.datasets.manifest import TEST_BALANCED, TEST_CONFLICTING
        from saferkit.evaluation.scoring import load_images, score_all

        found = cls()
        threshold = model.submission.threshold
        for split in (TEST_BALANCED, TEST_CONFLICTING):
            rows = frame[frame["split"] == split]
            if rows.empty:
                continue
            labels = rows["flag"].astype(int).to_numpy()
            if len(set(labels)) < 2:
                found.invalid.append(Invalid(f"variants/{split}", "the split holds only one class"))
                continue
            progress.start(split, len(rows))
            images = load_images(list(rows["abspath"]))
            probabilities = score_all(model, images, batch_size=config.batch_size, workers=config.workers, on_progress=progress.advance)
            scores = model.positive_scores(probabilities).astype(np.float64)
            found.splits[split] = Variant(int(len(rows)), int(labels.sum()), Accuracy.compute(labels, scores, threshold, plan, config.precision_k))
        return found

    def to_json(self) -> dict[str, Any]:
        return {split: variant.to_json() for split, variant in self.splits.items()}
