"""Thread counts for inference: never ask more of the CPU than it has.

`workers` is how many batches run at once (across all served models, one
shared pool) and `threads` the intra-op threads each batch uses, so the
product is what the server can ask of the CPU; it must fit the cores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from saferkit.core.errors import UserError


def available_cores() -> int:
    """Cores this process may use (respects CPU affinity and container limits where visible)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ThreadPlan:
    workers: int
    threads: int
    cores: int


SMALL_MACHINE_CORES = 4
THREADS_PER_BATCH_ON_BIG_MACHINES = 4


def plan_threads(workers: int | None, threads: int | None, cores: int | None = None) -> ThreadPlan:
    """Workers x threads within the cores.

    Unset, both are chosen from the cores: up to 4 cores, one single-threaded
    batch per core (onnxruntime's thread pool spin-waits between batches, which
    on a small machine takes CPU from the HTTP side; a single-threaded session
    has no pool); above that, batches of 4 threads. Either one given, the other
    fills the cores.
    """
    cores = cores or available_cores()
    if workers is not None and workers < 1:
        raise UserError("--workers must be at least 1.")
    if threads is not None and threads < 1:
        raise UserError("--threads must be at least 1.")
    if workers is None:
        if threads is None:
            threads = 1 if cores <= SMALL_MACHINE_CORES else THREADS_PER_BATCH_ON_BIG_MACHINES
        workers = max(1, cores // threads)
    if workers > cores:
        raise UserError(f"--workers {workers} is more than the {cores} cores available; use at most {cores}.")
    if threads is None:
        threads = max(1, cores // workers)
    if workers * threads > cores:
        raise UserError(f"--workers {workers} x --threads {threads} = {workers * threads} exceeds the {cores} cores; "
                        f"lower one of them (for example --threads {max(1, cores // workers)}).")
    return ThreadPlan(workers, threads, cores)
