"""What an evaluation is run with: the settings that change its numbers, and progress callbacks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable

DEFAULT_SEVERITIES = (1, 3, 5)
NOT_RECORDED = ("tracking_uri", "overwrite", "workers")  # where the run goes and how fast, not what it measures


@dataclass
class EvaluationConfig:
    """Everything that changes the numbers; recorded in the report so a run can be repeated."""

    seed: int = 0
    bootstrap_resamples: int = 1000
    confidence: float = 0.95
    min_group_size: int = 30
    min_group_class_count: int = 5
    intersections: bool = True
    precision_k: int = 100
    robustness: bool = True
    transforms: tuple[str, ...] | None = None  # None: every transform in datasets.transforms
    severities: tuple[int, ...] = DEFAULT_SEVERITIES
    robustness_resamples: int = 200
    robustness_max_items: int | None = 2000  # stratified subset for the 39 perturbed passes; None or 0: all items
    efficiency: bool = True
    private: bool = False
    batch_size: int = 64
    workers: int | None = None
    provider: str = "auto"
    tracking_uri: str | None = None
    overwrite: bool = False

    def to_json(self) -> dict[str, Any]:
        """The report's `config` section: every setting that changes a number, and how intervals are drawn."""
        recorded = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if k not in NOT_RECORDED}
        return {**recorded, "bootstrap_stratified_by": "label", "interval": "percentile"}


@dataclass
class Progress:
    """Callbacks the CLI uses for its progress bars (no-ops by default)."""

    start: Callable[[str, int], None] = lambda label, total: None
    advance: Callable[[int], None] = lambda n: None
    note: Callable[[str], None] = lambda text: None
