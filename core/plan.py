"""The resumable plan of a bulk run: which file goes in which shard and batch, fixed once.

A batch is the unit of work handed to a pool worker (and retried if the
worker dies); a shard is the unit of output (one file under `shards/`,
written whole or not at all) and of resumption: a re-run skips the shards
whose files exist. Used by `saferkit scan` (Parquet shards, both engines get
the same batches, which is why their outputs agree row for row) and by
`saferkit hash` / `match` with `--resume` (JSONL shards).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby, islice
from pathlib import Path
from typing import Any, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from saferkit.core.atomic import atomic_path
from saferkit.core.walk import Listed

PLAN_NAME = "plan.parquet"
SHARDS_DIR = "shards"

PLAN_SCHEMA = pa.schema(
    [
        ("index", pa.int64()),
        ("shard", pa.int32()),
        ("batch", pa.int32()),
        ("path", pa.string()),
        ("size", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("walk_error", pa.string()),
        ("detail", pa.string()),
    ]
)

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


def file_item(index: int, item: Listed) -> dict[str, Any]:
    """What a batch holds of one listed file (the plan's columns but shard and batch)."""
    return {"index": index, "path": item.path, "size": item.size, "mtime_ns": item.mtime_ns,
            "walk_error": item.walk_error, "detail": item.detail}


def stream_batches(listed: Iterable[Listed], batch_size: int) -> Iterator[Batch]:
    """Batches straight from a walk, for runs that keep no plan (numbered in walk order, one shard)."""
    items = (file_item(index, item) for index, item in enumerate(listed))
    for batch_id, files in enumerate(iter(lambda: tuple(islice(items, batch_size)), ())):
        yield Batch(batch_id, 0, files)


def build_plan(listed: list[Listed], shard_size: int, batch_size: int) -> pa.Table:
    """Number the files and cut them into shards of `shard_size` and batches of `batch_size`."""
    rows: dict[str, list[Any]] = {name: [] for name in PLAN_SCHEMA.names}
    for index, item in enumerate(listed):
        for name, value in file_item(index, item).items():
            rows[name].append(value)
        rows["shard"].append(index // shard_size)
        rows["batch"].append((index % shard_size) // batch_size)
    return pa.Table.from_pydict(rows, schema=PLAN_SCHEMA)


def load_plan(result: Path) -> pa.Table:
    return pq.read_table(Path(result) / PLAN_NAME)


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


def write_plan(table: pa.Table, folder: Path) -> None:
    """Write the plan whole or not at all."""
    with atomic_path(Path(folder) / PLAN_NAME) as temporary:
        pq.write_table(table, temporary, compression="zstd")


def shard_file(folder: Path, shard: int, suffix: str) -> Path:
    return Path(folder) / SHARDS_DIR / f"shard-{shard:06d}{suffix}"


def finished_shards(folder: Path, suffix: str) -> set[int]:
    """Shard numbers whose files are complete (temporary leftovers are not counted)."""
    shards = Path(folder) / SHARDS_DIR
    if not shards.is_dir():
        return set()
    done = set()
    for path in shards.glob(f"shard-*{suffix}"):
        try:
            done.add(int(path.name[len("shard-"):-len(suffix)]))
        except ValueError:
            continue
    return done


def remove_leftovers(folder: Path) -> int:
    """Delete temporary files an interrupted run left behind; returns how many."""
    removed = 0
    for place in (Path(folder), Path(folder) / SHARDS_DIR):
        if place.is_dir():
            for path in place.glob(".*.tmp*"):
                path.unlink(missing_ok=True)
                removed += 1
    return removed
