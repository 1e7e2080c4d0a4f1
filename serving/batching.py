"""Dynamic batching: requests that arrive close together run through the model as one batch.

Each model has one `DynamicBatcher`. A request's images wait in a queue; as
soon as an execution slot is free the batcher takes the oldest request, then
keeps adding queued requests until the batch holds `max_batch_size` images or
`max_queue_delay` has passed since that oldest request arrived. While a batch
runs, new requests queue up, so under load batches fill without waiting.
Batches run on a shared thread pool (onnxruntime releases the GIL), sized so
workers x threads never exceed the cores.
"""

from __future__ import annotations

import asyncio
import collections
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Callable, overload

import numpy as np

from saferkit.serving.api_errors import ApiError
from saferkit.serving.metrics import ServerMetrics


@dataclass
class _Pending:
    images: np.ndarray
    future: asyncio.Future
    enqueued: float = field(default_factory=time.perf_counter)

    @property
    def count(self) -> int:
        return int(self.images.shape[0])


class DynamicBatcher:
    """Gathers `submit()`ed image tensors into batches for `run_batch` (NCHW in, (N, ...) out)."""

    def __init__(self, name: str, run_batch: Callable[[np.ndarray], np.ndarray], executor: Executor, *,
                 max_batch_size: int, max_queue_delay_s: float, concurrency: int = 1,
                 max_queue_images: int = 4096, metrics: ServerMetrics | None = None) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        self.name = name
        self.run_batch = run_batch
        self.max_batch_size = max_batch_size
        self.max_queue_delay_s = max(0.0, max_queue_delay_s)
        self.max_queue_images = max_queue_images
        self._executor = executor
        self._concurrency = max(1, concurrency)
        self._metrics = metrics
        self._queue: collections.deque[_Pending] = collections.deque()
        self._queued_images = 0
        # start() makes fresh ones for its event loop; these only give the fields their types.
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(self._concurrency)
        self._scheduler: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()

    async def start(self) -> None:
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(self._concurrency)
        self._scheduler = asyncio.create_task(self._schedule(), name=f"batcher-{self.name}")

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.cancel()
            try:
                await self._scheduler
            except asyncio.CancelledError:
                pass
            self._scheduler = None
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        while self._queue:
            pending = self._queue.popleft()
            if not pending.future.done():
                pending.future.set_exception(ApiError(503, "the server is shutting down; retry on another instance."))

    async def warm_up(self, images: np.ndarray) -> None:
        """Run one batch outside the queue (and outside the metrics), before the model reports ready."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self.run_batch, images)

    async def submit(self, images: np.ndarray) -> np.ndarray:
        """Outputs for `images` (N, ...), computed in as few shared batches as the queue allows."""
        if self._scheduler is None:
            raise ApiError(503, f"model {self.name!r} is not running; retry once the server is ready.")
        count = int(images.shape[0])
        if self._queued_images + count > self.max_queue_images:
            raise ApiError(503, f"model {self.name!r} has {self._queued_images} images queued; retry shortly.",
                           headers={"Retry-After": "1"})
        loop = asyncio.get_running_loop()
        futures = []
        for start in range(0, count, self.max_batch_size):
            pending = _Pending(images[start:start + self.max_batch_size], loop.create_future())
            self._queue.append(pending)
            self._queued_images += pending.count
            futures.append(pending.future)
        self._set_queue_gauge()
        self._wakeup.set()
        results = await asyncio.gather(*futures)
        return results[0] if len(results) == 1 else np.concatenate(results)

    def _set_queue_gauge(self) -> None:
        if self._metrics is not None:
            self._metrics.queued.labels(self.name).set(self._queued_images)

    @overload
    async def _next(self, timeout: None) -> _Pending: ...

    @overload
    async def _next(self, timeout: float) -> _Pending | None: ...

    async def _next(self, timeout: float | None) -> _Pending | None:
        """The oldest queued request, waiting up to `timeout` seconds (None: forever)."""
        while not self._queue:
            self._wakeup.clear()
            if timeout is None:
                await self._wakeup.wait()
            else:
                if timeout <= 0:
                    return None
                started = time.perf_counter()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout)
                except asyncio.TimeoutError:
                    return None
                timeout -= time.perf_counter() - started
        return self._queue[0]

    async def _schedule(self) -> None:
        while True:
            await self._slots.acquire()
            first = await self._next(None)
            batch = [self._queue.popleft()]
            size = first.count
            deadline = first.enqueued + self.max_queue_delay_s
            while size < self.max_batch_size:
                candidate = await self._next(deadline - time.perf_counter())
                if candidate is None or size + candidate.count > self.max_batch_size:
                    break
                batch.append(self._queue.popleft())
                size += candidate.count
            self._queued_images -= size
            self._set_queue_gauge()
            task = asyncio.create_task(self._execute(batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _execute(self, batch: list[_Pending]) -> None:
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        try:
            live = [p for p in batch if not p.future.done()]  # clients that gave up need no answer
            if not live:
                return
            if self._metrics is not None:
                for pending in live:
                    self._metrics.queue_time.labels(self.name).observe(started - pending.enqueued)
                self._metrics.batch_size.labels(self.name).observe(sum(p.count for p in live))
            try:
                outputs = await loop.run_in_executor(self._executor, self._run_concatenated, [p.images for p in live])
            except Exception as exc:  # noqa: BLE001 - every waiting request must hear about it
                for pending in live:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
                return
            if self._metrics is not None:
                self._metrics.inference_time.labels(self.name).observe(time.perf_counter() - started)
            offset = 0
            for pending in live:
                if not pending.future.done():
                    pending.future.set_result(outputs[offset:offset + pending.count])
                offset += pending.count
        finally:
            self._slots.release()

    def _run_concatenated(self, parts: list[np.ndarray]) -> np.ndarray:
        batch = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return self.run_batch(batch)
