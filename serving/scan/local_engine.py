"""The default engine: worker processes on this machine, each loading the models once.

The processes, the retry of a batch whose worker died and the give-up rows
come from the one retrying pool (`saferkit.core.pool`); this module only says
what a scan worker is and how a lost batch reads (`worker_died` rows).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Iterator

import pyarrow as pa

from saferkit.core.plan import Batch
from saferkit.core.pool import RetryingPool
from saferkit.serving.scan.worker import ScanWorker, WorkerConfig, failed_batch


class LocalEngine:
    """Runs batches on `workers` processes (0: in this process, for debugging)."""

    name = "local"

    def __init__(self, config: WorkerConfig, workers: int) -> None:
        self.config = config
        self.workers = workers
        self.pool: RetryingPool[Batch, pa.Table] = RetryingPool(
            partial(ScanWorker, config), workers, give_up=failed_batch, label="scan", loads="the models or lists",
            start_hint="check free memory and that onnxruntime works here")

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "workers": self.workers, "threads_per_worker": self.config.threads}

    def preflight(self) -> None:
        """Nothing to check before a local scan."""

    def warm_up(self) -> None:
        """Start the workers now, so they import and load while the files are listed."""
        self.pool.prestart()

    def cool_down(self) -> None:
        """Stop what `warm_up` started, when the run will not happen."""
        self.pool.discard_early()

    def run(self, batches: list[Batch]) -> Iterator[tuple[Batch, pa.Table]]:
        """Yield (batch, rows) as batches finish, in any order."""
        yield from self.pool.run(batches)
