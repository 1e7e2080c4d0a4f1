"""What a submission's labels mean: which one is "nothing to review", and the label per image at a threshold.

One rule for every reader of a model's output: the runner's positive score,
the evaluation's true classes and the server's triage label all find the
negative label here and flag with `operating_point.is_flagged`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from saferkit.evaluation.operating_point import is_flagged

NEGATIVE_LABELS = ("none", "negative", "benign", "background")


def negative_index(labels: Sequence[str]) -> int | None:
    """Index of the first label that means "nothing to review" (none, negative, benign, background), else None."""
    return next((i for i, label in enumerate(labels) if label.lower() in NEGATIVE_LABELS), None)


def labels_at_threshold(labels: list[str], positive_index: int, declared_positive: str | None, threshold: float,
                        probabilities: np.ndarray, scores: np.ndarray) -> list[str]:
    """One label per row: what the team's threshold says about each image.

    Binary: the positive label when the positive score reaches the threshold,
    else the other label. Multiclass with a declared positive label: that label,
    else the most probable other one. Multiclass without (scores are 1 - P(negative),
    as the shared runner computes them): the most probable non-negative label,
    else the negative label.
    """
    flagged = is_flagged(scores, threshold)
    if len(labels) == 2:
        negative = 1 - positive_index
        return [labels[positive_index] if f else labels[negative] for f in flagged]
    negative_at = negative_index(labels)
    if declared_positive is not None or negative_at is None:
        others = [i for i in range(len(labels)) if i != positive_index]
        below = np.array(others)[np.argmax(probabilities[:, others], axis=1)]
        return [labels[positive_index] if f else labels[b] for f, b in zip(flagged, below)]
    candidates = np.array([i for i in range(len(labels)) if i != negative_at])
    above = candidates[np.argmax(probabilities[:, candidates], axis=1)]
    return [labels[a] if f else labels[negative_at] for a, f in zip(above, flagged)]
