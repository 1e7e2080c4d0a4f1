"""The one retrying worker pool: local processes that each build their worker once, then answer batches.

Why our own small pool rather than `concurrent.futures`: when a worker dies
(a decoder crash, the out-of-memory killer) we must know which batch it held,
retry that batch once on a fresh worker, and give up on that batch alone if
it kills a worker again. A broken ProcessPoolExecutor cannot say which task
did it, and takes every other task with it.

A worker is any object with `process(batch) -> result`, built in each process
by `make_worker()` (a picklable callable, such as `functools.partial(Cls,
config)`). A batch whose worker died or raised twice is handed to
`give_up(batch, detail)`, whose result (rows marked `ErrorKind.WORKER_DIED`)
stands in for the batch's.

How processes start (`start_method`): forked while this process runs no
Python thread but the main one (a CLI before its progress bar starts), since
a forked worker has the parent's imports and is ready in milliseconds where a
spawned one spends 0.3-0.5 s importing numpy, Pillow and Arrow again (10% of a
2,000-file scan on 2 cores). Spawned otherwise: a fork beside a running
thread can copy a lock that thread holds, and the child would wait on it
forever. A forked worker closes its copies of the other workers' pipe ends,
so that each worker still sees end-of-file when the parent dies.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any, Callable, Generic, Iterable, Iterator, Optional, Protocol, Sized, TypeVar

from saferkit.core.errors import UserError

MAX_ATTEMPTS = 2  # a batch is retried once after its worker dies or fails
STOP_TIMEOUT_S = 5.0
WORKER_DIED_DETAIL = "the worker process died on this batch twice (it was retried once)"

B = TypeVar("B")
R = TypeVar("R")
B_contra = TypeVar("B_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


class BatchWorker(Protocol[B_contra, R_co]):
    """What the pool runs: built once per process, then called once per batch."""

    def process(self, batch: B_contra) -> R_co: ...


def start_method() -> str:
    """"fork" while only the main thread runs here (and the platform forks), else "spawn" (see above)."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def _worker_main(conn: Any, make_worker: Callable[[], BatchWorker[Any, Any]], inherited: tuple[Any, ...] = ()) -> None:
    """Body of one worker process: build once, then answer batches until told to stop.

    `inherited`: the parent's pipe ends a forked child got copies of; closed at once (see above)."""
    for other in inherited:
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # `terminate` ends a worker, whatever handler a forked one inherited
    try:
        worker = make_worker()
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
        except Exception as exc:  # noqa: BLE001 - a bug in one batch: retried, then given up
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


@dataclass
class _Slot:
    process: Any
    conn: Any
    ready: bool = False
    batch: Any = None
    number: int = -1


@dataclass
class _Feed(Generic[B]):
    """Batches to hand out: retries first, then the source, pulled only when a worker is free."""

    source: Iterator[B]
    retries: deque[tuple[int, B]] = field(default_factory=deque)
    pulled: int = 0
    exhausted: bool = False

    def next(self) -> Optional[tuple[int, B]]:
        if self.retries:
            return self.retries.popleft()
        if self.exhausted:
            return None
        batch = next(self.source, None)
        if batch is None:
            self.exhausted = True
            return None
        self.pulled += 1
        return self.pulled - 1, batch

    def empty(self) -> bool:
        return not self.retries and self.exhausted


class RetryingPool(Generic[B, R]):
    """Runs batches on `workers` processes (0: in this process, for debugging and small runs).

    `label` names the workers in error messages ("scan", "hash"), `loads` what
    a worker loads when it starts, and `start_hint` what to check when workers
    keep dying while starting.
    """

    def __init__(self, make_worker: Callable[[], BatchWorker[B, R]], workers: int, *,
                 give_up: Callable[[B, str], R], label: str = "bulk",
                 loads: str = "its settings", start_hint: str = "check free memory") -> None:
        self.make_worker = make_worker
        self.workers = workers
        self.give_up = give_up
        self.label = label
        self.loads = loads
        self.start_hint = start_hint
        self._early: list[_Slot] = []
        self._parent_ends: list[Any] = []  # this pool's open pipe ends, which a forked child must close

    def prestart(self) -> None:
        """Start the worker processes now, so they import and load while the caller still lists the files;
        the next `run` takes them (the ones it does not need are stopped)."""
        if self.workers > 0 and not self._early:
            self._early = [self._start() for _ in range(self.workers)]

    def discard_early(self) -> None:
        """Stop the processes `prestart` began, when the run they were for will not happen."""
        early, self._early = self._early, []
        self._stop(early)

    def run(self, batches: Iterable[B], *, ordered: bool = False, window: Optional[int] = None) -> Iterator[tuple[B, R]]:
        """Yield (batch, result) as batches finish; in the order given with `ordered=True`.

        Batches are pulled from `batches` only as workers free up, so a lazy
        source (a walk of a million files) is never held whole. With
        `ordered=True` at most `window` batches (default 8 per worker) are
        pulled ahead of the oldest unfinished one.
        """
        if self.workers <= 0:
            worker = self.make_worker()
            for batch in batches:
                yield batch, worker.process(batch)
            return
        size = len(batches) if isinstance(batches, Sized) else self.workers
        processes = min(self.workers, max(1, size))
        finished = self._run_pool(iter(batches), processes, (window or 8 * self.workers) if ordered else None)
        if not ordered:
            for _, batch, result in finished:
                yield batch, result
            return
        waiting: dict[int, tuple[B, R]] = {}
        next_number = 0
        for number, batch, result in finished:
            waiting[number] = (batch, result)
            while next_number in waiting:
                yield waiting.pop(next_number)
                next_number += 1
        yield from (waiting[number] for number in sorted(waiting))

    def _start(self) -> _Slot:
        method = start_method()
        context = multiprocessing.get_context(method)
        parent, child = context.Pipe()
        self._parent_ends = [end for end in self._parent_ends if not end.closed] + [parent]
        inherited = tuple(self._parent_ends) if method == "fork" else ()
        process = context.Process(target=_worker_main, args=(child, self.make_worker, inherited), daemon=True)  # type: ignore[attr-defined]
        process.start()
        child.close()
        return _Slot(process, parent)

    def _run_pool(self, source: Iterator[B], processes: int, window: Optional[int]) -> Iterator[tuple[int, B, R]]:
        """Yield (number, batch, result) as batches finish; `window` caps how far numbers run ahead."""
        feed: _Feed[B] = _Feed(source)
        attempts: dict[int, int] = {}
        start_failures = 0
        early, self._early = self._early, []
        self._stop(early[processes:])
        slots = early[:processes] + [self._start() for _ in range(processes - len(early[:processes]))]
        try:
            while not feed.empty() or any(slot.batch is not None for slot in slots):
                self._dispatch(slots, feed, window)
                if all(slot.batch is None for slot in slots) and feed.empty():
                    break
                owners: dict[Any, _Slot] = {}
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
                    if message is None:  # the process is gone
                        handled.add(id(slot))
                        if not slot.ready:
                            start_failures += 1
                            if start_failures > 2 * self.workers:
                                raise UserError(f"{self.label} worker processes keep dying while starting; {self.start_hint}.")
                        if slot.batch is not None:
                            yield from self._retry_or_give_up(slot, feed, attempts, WORKER_DIED_DETAIL)
                        self._replace(slots, slot)
                        continue
                    kind, payload = message
                    if kind == "ready":
                        slot.ready = True
                    elif kind == "init_error":
                        raise UserError(f"a {self.label} worker could not load {self.loads}: {payload}")
                    elif kind == "done":
                        number, batch = slot.number, slot.batch
                        slot.batch, slot.number = None, -1
                        self._dispatch(slots, feed, window)  # the next batch goes out before the caller handles this one
                        yield number, batch, payload
                    elif kind == "failed":
                        yield from self._retry_or_give_up(slot, feed, attempts, f"worker error: {payload}; retried once")
        finally:
            self._stop(slots)

    @staticmethod
    def _dispatch(slots: list[_Slot], feed: _Feed[B], window: Optional[int]) -> None:
        """Hand a batch to every ready, idle worker (within the window when results must stay in order)."""
        for slot in slots:
            if not slot.ready or slot.batch is not None:
                continue
            if window is not None and not feed.retries:
                oldest = min((s.number for s in slots if s.batch is not None), default=None)
                if oldest is not None and feed.pulled - oldest >= window:
                    return
            pulled = feed.next()
            if pulled is None:
                return
            slot.number, slot.batch = pulled
            slot.conn.send(slot.batch)

    def _retry_or_give_up(self, slot: _Slot, feed: _Feed[B], attempts: dict[int, int],
                          detail: str) -> Iterator[tuple[int, B, R]]:
        """Requeue a batch after its first failure; after the second, its result says why."""
        number, batch = slot.number, slot.batch
        slot.batch, slot.number = None, -1
        attempts[number] = attempts.get(number, 0) + 1
        if attempts[number] < MAX_ATTEMPTS:
            feed.retries.appendleft((number, batch))
        else:
            yield number, batch, self.give_up(batch, detail)

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


