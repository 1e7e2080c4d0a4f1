"""The scan's on-disk layout: the plan, Parquet shards, and atomic writes.

RESULT/
  manifest.json          what ran: source, models and lists with sha256, versions
  plan.parquet           every listed path with its shard and batch (fixed at the first run)
  shards/shard-NNNNNN.parquet   one per shard, written whole or not at all
  summary.json           counts, rewritten at the end of every run

A shard file exists only once all its rows are in it (written to a temporary
name, then renamed), so a re-run skips exactly the shards that are finished and
an interruption loses at most the shards in progress.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from saferkit.core import plan
from saferkit.core.atomic import atomic_path, write_json_atomic
from saferkit.core.plan import PLAN_NAME, SHARDS_DIR  # noqa: F401 - the one plan layout, named here for readers of a result
from saferkit.hashing.algorithms import ALL_ALGOS
from saferkit.serving.scan.rowfields import INVENTORY_FIELDS, VIDEO_FIELDS

MANIFEST_NAME = "manifest.json"
SUMMARY_NAME = "summary.json"
SHARD_SUFFIX = ".parquet"

HASH_COLUMNS: tuple[str, ...] = ALL_ALGOS  # one column per hash the kit computes, named as hashing names them

MATCH_TYPE = pa.struct(
    [
        ("list", pa.string()),
        ("id", pa.string()),
        ("hash_type", pa.string()),
        ("distance", pa.int32()),
        ("category", pa.string()),
        ("source", pa.string()),
        ("variant", pa.string()),
    ]
)
SCORE_TYPE = pa.struct([("model", pa.string()), ("score", pa.float64()), ("flagged", pa.bool_())])

ROW_SCHEMA = pa.schema(
    [
        ("index", pa.int64()),
        ("shard", pa.int32()),
        ("path", pa.string()),
        ("size", pa.int64()),
        ("mtime", pa.float64()),
        ("status", pa.string()),
        *[(name, pa.string()) for name in HASH_COLUMNS],
        ("pdq_quality", pa.int32()),
        ("matches", pa.list_(MATCH_TYPE)),
        ("scores", pa.list_(SCORE_TYPE)),
        ("error", pa.string()),
        ("error_detail", pa.string()),
        *INVENTORY_FIELDS,
        *VIDEO_FIELDS,
    ]
)

# Row status values, in the order a reviewer cares about.
STATUS_MATCHED = "matched"  # on a hash list; models not run
STATUS_SCORED = "scored"  # hashed and scored by every model
STATUS_HASHED = "hashed"  # hashed; no model given
STATUS_ERROR = "error"  # see the error column


def rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows (dicts) to a table with the one row schema; missing keys become nulls."""
    columns = {name: [row.get(name) for row in rows] for name in ROW_SCHEMA.names}
    return pa.Table.from_pydict(columns, schema=ROW_SCHEMA)


def shard_path(result: Path, shard: int) -> Path:
    return plan.shard_file(result, shard, SHARD_SUFFIX)


def finished_shards(result: Path) -> set[int]:
    """Shard numbers whose files are complete (temporary leftovers are not counted)."""
    return plan.finished_shards(result, SHARD_SUFFIX)


def write_table(table: pa.Table, target: Path) -> None:
    """Write a Parquet file whole or not at all."""
    with atomic_path(target) as temporary:
        pq.write_table(table, temporary, compression="zstd")


def write_json(data: dict[str, Any], target: Path) -> None:
    """Write JSON whole or not at all."""
    write_json_atomic(target, data, indent=2, sort_keys=True, default=str)


def read_json(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def read_rows(result: Path, columns: Iterable[str] | None = None) -> pa.Table:
    """All finished shards as one table, in plan order."""
    paths = sorted((Path(result) / SHARDS_DIR).glob("shard-*.parquet"))
    if not paths:
        return ROW_SCHEMA.empty_table() if columns is None else ROW_SCHEMA.empty_table().select(list(columns))
    tables = [pq.read_table(path, columns=list(columns) if columns else None, schema=ROW_SCHEMA) for path in paths]
    return pa.concat_tables(tables)
