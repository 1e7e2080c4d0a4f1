"""The default engine: worker processes on this machine, each loading the models once.

Why our own small pool rather than `concurrent.futures`: when a worker dies
(a decoder crash, the out-of-memory killer) we must know which batch it held,
retry that batch once on a fresh worker, and give up on it alone if it kills
a worker again. A broken ProcessPoolExecutor cannot say which task did it.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import Counter, deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Iterator, Optional

import pyarrow as pa

from saferkit.core.errors import UserError
from saferkit.serving.scan.plan import Batch
from saferkit.serving.scan.worker import ScanWorker, WorkerConfig, failed_batch

MAX_ATTEMPTS = 2  # a batch is retried once after its worker dies
STOP_TIMEOUT_S = 5.0


def _worker_main(conn: Any, config: WorkerConfig) -> None:
    """Body of one worker process: load once, then answer batches until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    try:
        worker = ScanWorker(config)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as one line
        conn.send(("init_error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        try:
            conn.send(("done", worker.process(batch)))
        except Exception as exc:  # noqa: BLE001 - a bug in one batch: retried, then marked
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


@dataclass
class _Slot:
    process: Any
    conn: Any
    ready: bool = False
    batch: Optional[Batch] = None


class LocalEngine:
    """Runs batches on `workers` processes (0: in this process, for debugging)."""

    name = "local"

    def __init__(self, config: WorkerConfig, workers: int) -> None:
        self.config = config
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "workers": self.workers, "threads_per_worker": self.config.threads}

    def preflight(self) -> None:
        """Nothing to check before a local scan."""

    def run(self, batches: list[Batch]) -> Iterator[tuple[Batch, pa.Table]]:
        """Yield (batch, rows) as batches finish, in any order."""
        if self.workers <= 0:
            worker = ScanWorker(self.config)
            for batch in batches:
                yield batch, worker.process(batch)
            return
        yield from self._run_pool(batches)

    def _start(self) -> _Slot:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child, self.config), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def _run_pool(self, batches: list[Batch]) -> Iterator[tuple[Batch, pa.Table]]:
        queue = deque(batches)
        attempts: Counter[int] = Counter()
        start_failures = 0
        slots = [self._start() for _ in range(min(self.workers, max(1, len(batches))))]
        try:
            while queue or any(slot.batch is not None for slot in slots):
                for slot in slots:
                    if slot.ready and slot.batch is None and queue:
                        slot.batch = queue.popleft()
                        slot.conn.send(slot.batch)
                owners = {}
                for slot in slots:
                    owners[slot.conn] = slot
                    owners[slot.process.sentinel] = slot
                handled: set[int] = set()
                for ready in wait(list(owners)):
                    slot = owners[ready]
                    if id(slot) in handled:
                        continue
                    message = None
                    if slot.conn.poll():
                        try:
                            message = slot.conn.recv()
                        except (EOFError, OSError):
                            message = None
                    if message is None:
                        handled.add(id(slot))
                        if not slot.ready:
                            start_failures += 1
                            if start_failures > 2 * self.workers:
                                raise UserError("scan worker processes keep dying while starting; "
                                                "check free memory and that onnxruntime works here.")
                        if slot.batch is not None:
                            yield from self._retry_or_fail(slot.batch, queue, attempts, None)
                        self._replace(slots, slot)
                        continue
                    kind, payload = message
                    if kind == "ready":
                        slot.ready = True
                    elif kind == "init_error":
                        raise UserError(f"a scan worker could not load the models or lists: {payload}")
                    elif kind == "done":
                        batch, slot.batch = slot.batch, None
                        yield batch, payload
                    elif kind == "failed":
                        batch, slot.batch = slot.batch, None
                        yield from self._retry_or_fail(batch, queue, attempts, f"worker error: {payload}; retried once")
        finally:
            self._stop(slots)

    @staticmethod
    def _retry_or_fail(batch: Batch, queue: deque, attempts: Counter, error: Optional[str]) -> Iterator[tuple[Batch, pa.Table]]:
        """Requeue a batch after its first failure; after the second, its rows say why (None: the worker died)."""
        attempts[batch.batch_id] += 1
        if attempts[batch.batch_id] < MAX_ATTEMPTS:
            queue.appendleft(batch)
        else:
            yield batch, failed_batch(batch) if error is None else failed_batch(batch, error)

    def _replace(self, slots: list[_Slot], dead: _Slot) -> None:
        dead.process.join(timeout=STOP_TIMEOUT_S)
        dead.conn.close()
        slots[slots.index(dead)] = self._start()

    @staticmethod
    def _stop(slots: list[_Slot]) -> None:
        """Idle workers stop cleanly; busy ones (an interrupt, an error) are killed: their batch is lost anyway."""
        for slot in slots:
            if slot.batch is not None:
                slot.process.terminate()
                continue
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
        for slot in slots:
            slot.process.join(timeout=STOP_TIMEOUT_S)
            if slot.process.is_alive():
                slot.process.terminate()
                slot.process.join(timeout=STOP_TIMEOUT_S)
            slot.conn.close()
