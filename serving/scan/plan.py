"""The scan plan: which file goes in which shard and batch, fixed once.

A batch is the unit of work handed to a worker (and retried if the worker
dies); a shard is the unit of output (one Parquet file) and of resumption.
Both engines receive the same batches, which is why their outputs agree row for row.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from saferkit.serving.scan import store
from saferkit.core.walk import Listed


FILE_FIELDS = ("index", "path", "size", "mtime_ns", "walk_error", "detail")  # what a batch holds of each file


@dataclass(frozen=True)
class Batch:
    """A few files for one worker call; plain data so it pickles and travels to Ray."""

    batch_id: int
    shard: int
    files: tuple[dict[str, Any], ...]  # index, path, size, mtime_ns, walk_error, detail

    def to_item(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "shard": self.shard, "files": list(self.files)}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> "Batch":
        return cls(int(item["batch_id"]), int(item["shard"]), tuple(item["files"]))


def build_plan(listed: list[Listed], shard_size: int, batch_size: int) -> pa.Table:
    """Number the files and cut them into shards of `shard_size` and batches of `batch_size`."""
    rows: dict[str, list[Any]] = {name: [] for name in store.PLAN_SCHEMA.names}
    for index, item in enumerate(listed):
        rows["index"].append(index)
        rows["shard"].append(index // shard_size)
        rows["batch"].append((index % shard_size) // batch_size)
        rows["path"].append(item.path)
        rows["size"].append(item.size)
        rows["mtime_ns"].append(item.mtime_ns)
        rows["walk_error"].append(item.walk_error)
        rows["detail"].append(item.detail)
    return pa.Table.from_pydict(rows, schema=store.PLAN_SCHEMA)


def load_plan(result: Path) -> pa.Table:
    return pq.read_table(Path(result) / store.PLAN_NAME)


def shard_sizes(plan: pa.Table) -> dict[int, int]:
    """Number of files in each shard."""
    counts: dict[int, int] = {}
    for shard in plan.column("shard").to_pylist():
        counts[shard] = counts.get(shard, 0) + 1
    return counts


def batches_for(plan: pa.Table, shards: set[int]) -> list[Batch]:
    """The batches of the given shards, in plan order, numbered across the whole plan."""
    grouped = groupby(plan.to_pylist(), key=lambda row: (row["shard"], row["batch"]))
    return [Batch(batch_id, shard, tuple({name: row[name] for name in FILE_FIELDS} for row in rows))
            for batch_id, ((shard, _), rows) in enumerate(grouped) if shard in shards]
