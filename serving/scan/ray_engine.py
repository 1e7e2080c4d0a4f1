"""The cluster engine: Ray Data `map_batches` over an actor pool, running the same ScanWorker.

Blocks of several plan batches: Ray Data notices a finished task only when
its executor loop next wakes (every 0.1 s) and then dispatches the next one,
so a short task leaves its actor idle for a good share of its time (with one
16-file batch per task the Ray engine ran at 0.42 of the local engine's rate
once hashing got fast). Each block therefore holds up to `FILES_PER_BLOCK`
files' worth of plan batches, while leaving every actor several blocks.

An actor holds one block at a time, so an actor that dies costs one block:
Ray restarts the actor and retries that block once (`max_task_retries=1`); a
block lost twice is skipped (`max_errored_blocks`) and its batches are run
again one batch per block, so that only the batch that kills its worker is
lost: the driver marks that batch's files `worker_died`, exactly as the local
engine does. Rows come back to the driver, which writes the same shards as
the local engine.

Where Ray runs: `--ray-address` or `RAY_ADDRESS` names a cluster; with neither,
an in-process local Ray is started for this scan and stopped after it. On a
cluster, every node must have the same saferkit installed and see the scanned
files, models and lists at the same paths (a shared or mounted filesystem).
"""

from __future__ import annotations

import logging
import os
import socket
import warnings
from typing import Any, Generator, Iterator, Optional
from urllib.parse import urlsplit

import pyarrow as pa

from saferkit.core.errors import UserError
from saferkit.core.plan import Batch
from saferkit.serving.scan.rowfields import listed_files
from saferkit.serving.scan.worker import ScanWorker, WorkerConfig, failed_batch

CONNECT_TIMEOUT_S = 5.0
DEFAULT_CLIENT_PORT = 10001
DEFAULT_GCS_PORT = 6379
LOCAL_OBJECT_STORE_BYTES = 512 * 1024 * 1024  # rows are small; do not claim a third of the machine's memory
FILES_PER_BLOCK = 128  # about a second of work per task for photos; see the module docstring
BLOCKS_PER_ACTOR = 4  # at least this many blocks per actor, so the last ones do not leave actors idle


class RayScanActor:
    """One Ray actor: a ScanWorker built once, called with one plan batch per block."""

    def __init__(self, config: WorkerConfig) -> None:
        self.worker = ScanWorker(config)

    def __call__(self, block: pa.Table) -> pa.Table:
        return pa.concat_tables([self.worker.process_item(item) for item in block.to_pylist()])


def resolve_address(address: Optional[str]) -> Optional[str]:
    """The cluster to use: the option, else RAY_ADDRESS, else None (local Ray)."""
    chosen = address or os.environ.get("RAY_ADDRESS") or None
    return chosen.strip() if chosen else None


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail fast with a clear message instead of Ray's long connection retries."""
    if address in ("auto", "local"):
        return
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    host = parts.hostname
    try:
        port = parts.port or (DEFAULT_CLIENT_PORT if parts.scheme == "ray" else DEFAULT_GCS_PORT)
    except ValueError:
        raise UserError(f"Ray address {address!r} is not HOST:PORT or ray://HOST:PORT; fix --ray-address or RAY_ADDRESS.") from None
    if not host:
        raise UserError(f"Ray address {address!r} names no host; use HOST:PORT or ray://HOST:PORT.")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        raise UserError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); check that the cluster is running "
            "and the address in --ray-address or RAY_ADDRESS, or leave both unset to scan with a local Ray."
        ) from None


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise UserError("the Ray engine needs Ray Data: pip install 'saferkit[ray]', or use --engine local.") from None
    return ray


class RayEngine:
    """Runs batches on a Ray actor pool of `workers` actors."""

    name = "ray"

    def __init__(self, config: WorkerConfig, workers: int, address: Optional[str] = None) -> None:
        self.config = config
        self.workers = max(1, workers)
        self.address = resolve_address(address)

    def _per_block(self, batches: list[Batch]) -> int:
        """Plan batches per Ray block: up to FILES_PER_BLOCK files, at least BLOCKS_PER_ACTOR blocks an actor."""
        files_per_batch = max(1, max(len(batch.files) for batch in batches))
        return max(1, min(FILES_PER_BLOCK // files_per_batch, len(batches) // (BLOCKS_PER_ACTOR * self.workers)))

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "workers": self.workers, "threads_per_worker": self.config.threads,
                "ray_address": self.address or "local"}

    def warm_up(self) -> None:
        """Nothing: Ray starts its actors when the batches come."""

    def cool_down(self) -> None:
        """Nothing was started by `warm_up`."""

    def preflight(self) -> None:
        """Ray importable and the cluster reachable, before the scan lists or writes anything."""
        _import_ray()
        if self.address is not None:
            check_reachable(self.address)

    def _connect(self, ray: Any) -> bool:
        """Start or join Ray; True when this scan started it (and must stop it)."""
        if ray.is_initialized():
            return False
        quiet = dict(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
        if self.address is None:
            ray.init(num_cpus=self.workers, object_store_memory=LOCAL_OBJECT_STORE_BYTES, **quiet)
            return True
        check_reachable(self.address)
        try:
            ray.init(address=self.address, **{k: v for k, v in quiet.items() if k != "include_dashboard"})
        except Exception as exc:  # noqa: BLE001 - Ray raises several types for a bad cluster
            raise UserError(f"cannot join the Ray cluster at {self.address}: {str(exc).splitlines()[0]}; "
                            "check the address, or leave it unset to scan with a local Ray.") from None
        return True

    def run(self, batches: list[Batch]) -> Iterator[tuple[Batch, pa.Table]]:
        """Yield (batch, rows) as batches finish, in any order."""
        if not batches:
            return
        ray = _import_ray()
        started = self._connect(ray)
        try:
            per_block = self._per_block(batches)
            lost = yield from self._run_dataset(ray, batches, per_block)
            if lost and per_block > 1:  # run a lost block's batches alone: only the culprit is lost
                lost = yield from self._run_dataset(ray, lost, 1)
            for batch in lost:
                yield batch, failed_batch(batch)
        finally:
            if started:
                ray.shutdown()

    def _run_dataset(self, ray: Any, batches: list[Batch], per_block: int) -> Generator[tuple[Batch, pa.Table], None, list[Batch]]:
        """Yield the batches that finish; return those lost with a block that failed twice."""
        context = ray.data.DataContext.get_current()
        context.max_errored_blocks = -1  # a block lost twice is one failed batch, not a failed scan
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        by_index = {item["index"]: batch for batch in batches for item in batch.files}
        pending: dict[int, list[pa.Table]] = {batch.batch_id: [] for batch in batches}
        for name in ("ray", "ray.data"):  # errored blocks are ours to report, as worker_died rows
            logging.getLogger(name).setLevel(logging.CRITICAL)
        blocks = -(-len(batches) // per_block)
        dataset = ray.data.from_items([batch.to_item() for batch in batches], override_num_blocks=blocks)
        with warnings.catch_warnings():
            # max_restarts / max_task_retries have no named parameter yet; without them Ray retries forever
            warnings.simplefilter("ignore", DeprecationWarning)
            results = dataset.map_batches(
                RayScanActor,
                fn_constructor_kwargs={"config": self.config},
                batch_size=None,  # one whole block per call
                batch_format="pyarrow",
                # one block per actor at a time: when an actor dies it takes only its own block with it
                compute=ray.data.ActorPoolStrategy(size=self.workers, max_tasks_in_flight_per_actor=1),
                num_cpus=1,
                max_restarts=-1,
                max_task_retries=1,
            )
        try:
            for table in results.iter_batches(batch_size=None, batch_format="pyarrow"):
                for batch_id, part in _split_by_batch(table, by_index):
                    pending[batch_id].append(part)
                    batch = by_index[part.column("index")[0].as_py()]
                    if sum(listed_files(p) for p in pending[batch_id]) == len(batch.files):
                        yield batch, pa.concat_tables(pending.pop(batch_id))
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001 - Ray wraps worker errors in its own types
            raise UserError(f"the Ray scan stopped: {str(exc).splitlines()[0]}; finished shards are kept, "
                            "run the same command again to resume.") from None
        return [batch for batch in batches if batch.batch_id in pending]


def _split_by_batch(table: pa.Table, by_index: dict[int, Batch]) -> Iterator[tuple[int, pa.Table]]:
    """Cut a result block into per-batch tables (a block holds one or several plan batches)."""
    indexes = table.column("index").to_pylist()
    start = 0
    for position in range(1, len(indexes) + 1):
        if position == len(indexes) or by_index[indexes[position]].batch_id != by_index[indexes[start]].batch_id:
            yield by_index[indexes[start]].batch_id, table.slice(start, position - start)
            start = position
