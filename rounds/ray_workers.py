"""Round workers on a Ray cluster: the same worker loop (`RoundHost.work`) as Ray tasks instead of local processes.

Each Ray task is one worker: it opens the host folder and evaluates queued
submissions one at a time until the queue is empty, claiming each job in the
host's intake database exactly as a local worker process does, so local and
Ray workers can even run side by side. Where Ray runs follows the scan
(`serving/scan/ray_engine.py`): `--ray-address` or RAY_ADDRESS names a
cluster; with neither, a local Ray is started for this run and stopped after.
On a cluster every node must see the host folder at the same path (a shared
filesystem) and have the same saferkit installed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.rounds.host import EvaluationSettings, work_in_folder

LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024  # the tasks return counts; do not claim a share of the machine's memory


def run_workers_on_ray(folder: str | Path, count: int, settings: EvaluationSettings | None = None,
                       address: str | None = None) -> int:
    """Evaluate the queue with `count` Ray tasks (each one job at a time) until it is empty; returns how many."""
    from saferkit.serving.scan.ray_engine import check_reachable, resolve_address

    try:
        import ray
    except ImportError:
        raise UserError("Ray workers need Ray: pip install 'saferkit[ray]', or run `saferkit round work` without --ray.") from None
    folder = str(Path(folder).resolve())
    address = resolve_address(address)
    started = not ray.is_initialized()
    if started:
        quiet: dict[str, Any] = dict(logging_level=logging.ERROR, log_to_driver=False)
        if address is None:
            ray.init(num_cpus=max(1, count), object_store_memory=LOCAL_OBJECT_STORE_BYTES, include_dashboard=False, **quiet)
        else:
            check_reachable(address)
            try:
                ray.init(address=address, **quiet)
            except Exception as exc:  # noqa: BLE001 - Ray raises several types for a bad cluster
                raise UserError(f"cannot join the Ray cluster at {address}: {str(exc).splitlines()[0]}; "
                                "check the address, or leave it unset to use a local Ray.") from None
    try:
        task = ray.remote(num_cpus=1, max_retries=0)(work_in_folder)
        return sum(ray.get([task.remote(folder, f"ray-worker-{i}", settings) for i in range(max(1, count))]))
    finally:
        if started:
            ray.shutdown()


__all__ = ["run_workers_on_ray"]
