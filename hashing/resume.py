"""Resumable `hash` and `match`: the scan's plan and shards behind one CSV or JSONL file.

With `resume=True` (`--resume`) the files are listed once into a plan
(`core.plan`, as the scan does) kept in `OUT.partial/` beside the output;
each shard's rows (each file's own, then those of what it holds: archive
members, disk-image files, PDF images, frames) are kept there as a JSONL file
written whole, once every file of the shard has its rows; running the
same command again skips the finished shards. Once every shard is there the
output is written from them, in walk order, and the folder is removed. Without
`resume` nothing is kept: an interrupted run leaves no file at all.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from saferkit.core import plan
from saferkit.core.atomic import write_json_atomic, write_text_atomic
from saferkit.core.jsonfile import read_json_file
from saferkit.hashing.errors import HashingError

STATE_SUFFIX = ".partial"
SETTINGS_NAME = "settings.json"  # written last: its presence means the plan is complete
SHARD_SIZE = 1024  # files per shard: the most an interruption loses
SHARD_SUFFIX = ".jsonl"


def state_folder(out: str | os.PathLike[str]) -> Path:
    """Where a resumable run keeps its plan and finished shards: `OUT.partial` beside OUT."""
    out = Path(out)
    return out.with_name(out.name + STATE_SUFFIX)


def resumable_rows(paths: Sequence[str | os.PathLike[str]], settings: Any, out: str | os.PathLike[str],
                   workers: Optional[int], on_row: Optional[Callable[[dict[str, Any]], None]] = None) -> Iterator[dict[str, Any]]:
    """Hash every shard not finished yet, then yield every row in walk order.

    `on_row` sees each row as soon as it is hashed (rows kept from an earlier
    run first). Call `finish(out)` once the output is written.
    """
    from dataclasses import asdict

    from saferkit.hashing.bulk import FILES_PER_BATCH, hash_pool, iter_files

    folder = state_folder(out)
    wanted = json.loads(json.dumps({"paths": [os.path.abspath(p) for p in paths], "settings": asdict(settings)}))
    if not _resume(folder, wanted):
        table = plan.build_plan(list(iter_files(paths)), SHARD_SIZE, FILES_PER_BATCH)
        folder.mkdir(parents=True, exist_ok=True)
        plan.write_plan(table, folder)
        write_json_atomic(folder / SETTINGS_NAME, wanted)
    table = plan.load_plan(folder)
    sizes = plan.shard_sizes(table)
    done = plan.finished_shards(folder, SHARD_SUFFIX)
    if on_row is not None:
        for shard in sorted(done):
            for row in _read_shard(folder, shard):
                on_row(row)
    parts: dict[int, list[tuple[int, list[dict[str, Any]]]]] = {}
    for batch, per_file in hash_pool(settings, workers).run(plan.batches_for(table, set(sizes) - done)):
        part = parts.setdefault(batch.shard, [])
        part += zip((item["index"] for item in batch.files), per_file)
        if on_row is not None:
            for rows in per_file:
                for row in rows:
                    on_row(row)
        if len(part) == sizes[batch.shard]:  # every file of the shard has its rows (a file holds one or more)
            lines = (json.dumps(row, ensure_ascii=False, default=str) + "\n"
                     for _, rows in sorted(parts.pop(batch.shard), key=_first) for row in rows)
            write_text_atomic(plan.shard_file(folder, batch.shard, SHARD_SUFFIX), "".join(lines))
    for shard in sorted(sizes):
        yield from _read_shard(folder, shard)


def finish(out: str | os.PathLike[str]) -> None:
    """Remove the kept plan and shards once the output is in place."""
    shutil.rmtree(state_folder(out), ignore_errors=True)


def _resume(folder: Path, wanted: dict[str, Any]) -> bool:
    """True when `folder` holds a plan made with the same paths and options; refuses one made with others."""
    if (folder / SETTINGS_NAME).is_file():
        kept = read_json_file(folder / SETTINGS_NAME, what="the settings of an unfinished run",
                              remedy=f"delete {folder} to start over", error=HashingError)
        if kept != wanted:
            raise HashingError(f"{folder} holds an unfinished run over other paths or with other options; run the "
                               f"same command again to finish it, or delete {folder} to start over.")
        plan.remove_leftovers(folder)
        return True
    if folder.exists():
        entries = list(folder.iterdir()) if folder.is_dir() else [folder]
        if not all(p.name == plan.PLAN_NAME or p.name.endswith(".tmp") for p in entries):
            raise HashingError(f"{folder} is in the way of a resumable run and holds something else; move it or choose another --out.")
        shutil.rmtree(folder)  # a first run stopped while listing: list again
    return False


def _read_shard(folder: Path, shard: int) -> Iterator[dict[str, Any]]:
    with open(plan.shard_file(folder, shard, SHARD_SUFFIX), encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def _first(pair: tuple[int, list[dict[str, Any]]]) -> int:
    return pair[0]
