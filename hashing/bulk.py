"""Hash many files: walk folders, use every core, stream rows to CSV or JSONL.

A bad file never stops the run: it becomes a row whose `error` says why, and
the summary counts rows by `error_kind`. Output goes to a temporary file that
is renamed into place at the end, so an interrupted run leaves nothing half
written.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from saferkit.core.atomic import AtomicFile
from saferkit.hashing.algorithms import normalize_algos
from saferkit.hashing.decode import DEFAULT_POLICY, DecodePolicy
from saferkit.hashing.errors import HashingError
from saferkit.hashing.hashers import hash_file

OUTPUT_FORMATS = ("csv", "jsonl")


def iter_files(paths: Sequence[str | os.PathLike]) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, error) for every file under `paths`, in sorted order.

    A folder that cannot be listed yields itself with the error; a path the
    user named that does not exist is a user mistake and raises HashingError
    (at once, before anything is yielded).
    """
    if not paths:
        raise HashingError("no paths given; pass files or folders to hash.")
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise HashingError(f"{path} does not exist; pass files or folders to hash.")
    return _iter_files(paths)


def _iter_files(paths: Sequence[str | os.PathLike]) -> Iterator[tuple[Path, str | None]]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path, None


def _walk(folder: Path) -> Iterator[tuple[Path, str | None]]:
    try:
        with os.scandir(folder) as entries:
            children = sorted(entries, key=lambda entry: entry.name)
    except PermissionError:
        yield folder, "permission denied: cannot list the folder."
        return
    except FileNotFoundError:
        yield folder, "folder vanished during the walk."
        return
    except OSError as exc:
        yield folder, f"cannot list the folder: {exc.strerror or exc}"
        return
    for entry in children:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(Path(entry.path))
        else:
            yield Path(entry.path), None


@dataclass
class HashSummary:
    """Counts for the end of a run."""

    files: int = 0
    hashed: int = 0
    errors: Counter = field(default_factory=Counter)
    low_quality: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.files += 1
        if row.get("error"):
            self.errors[row.get("error_kind") or "other"] += 1
        else:
            self.hashed += 1
        if row.get("pdq_low_quality"):
            self.low_quality += 1


def _hash_one(item: tuple[Path, str | None], algos: tuple[str, ...], policy: DecodePolicy, hash_size: int, dihedral: bool) -> dict[str, Any]:
    path, walk_error = item
    if walk_error:
        kind = "permission" if "permission" in walk_error else "unreadable"
        return {"path": str(path), "size": None, "error": walk_error, "error_kind": kind}
    return hash_file(path, algos, policy=policy, hash_size=hash_size, dihedral=dihedral)


def hash_paths(
    paths: Sequence[str | os.PathLike],
    algos: Iterable[str] | str | None = None,
    *,
    workers: int | None = None,
    policy: DecodePolicy = DEFAULT_POLICY,
    hash_size: int = 8,
    dihedral: bool = False,
) -> Iterator[dict[str, Any]]:
    """Rows of `hash_file` for every file under `paths`, in walk order, on `workers` processes.

    Bad paths given by the user raise at once; bad files become error rows.
    """
    names = normalize_algos(algos)
    items = iter_files(paths)
    work = partial(_hash_one, algos=names, policy=policy, hash_size=hash_size, dihedral=dihedral)
    workers = workers or os.cpu_count() or 1
    return _run(items, work, workers)


def _run(items: Iterator, work: Callable, workers: int) -> Iterator[dict[str, Any]]:
    if workers <= 1:
        yield from map(work, items)
        return
    window = workers * 64  # bounded look-ahead: a million files never become a million futures
    with ProcessPoolExecutor(max_workers=workers) as pool:
        while True:
            batch = list(islice(items, window))
            if not batch:
                return
            yield from pool.map(work, batch, chunksize=8)


def output_columns(algos: tuple[str, ...], dihedral: bool = False) -> list[str]:
    """CSV columns: path, size, each hash asked for (PDQ with its quality), error."""
    columns = ["path", "size"]
    for name in algos:
        columns.append(name)
        if name == "pdq":
            columns += ["pdq_quality", "pdq_low_quality"]
            if dihedral:
                columns.append("pdq_dihedral")
    return columns + ["error", "error_kind"]


class RowWriter:
    """Stream rows to CSV or JSONL through a temporary file renamed into place on `close`."""

    def __init__(self, path: str | os.PathLike, columns: list[str], fmt: str | None = None) -> None:
        self.path = Path(path)
        self.fmt = (fmt or ("jsonl" if self.path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")).lower()
        if self.fmt not in OUTPUT_FORMATS:
            raise HashingError(f"unknown output format {self.fmt!r}; use csv or jsonl.")
        self.columns = columns
        self._pending = AtomicFile(self.path, "w", newline="")
        self._out = self._pending.handle
        self._csv = None
        if self.fmt == "csv":
            self._csv = csv.DictWriter(self._out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
            self._csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        if self._csv is not None:
            flat = dict(row)
            if isinstance(flat.get("pdq_dihedral"), list):
                flat["pdq_dihedral"] = ";".join(flat["pdq_dihedral"])
            self._csv.writerow({k: ("" if flat.get(k) is None else flat.get(k)) for k in self.columns})
        else:
            self._out.write(json.dumps({k: row.get(k) for k in self.columns}, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._pending.commit()

    def abort(self) -> None:
        self._pending.abort()

    def __enter__(self) -> "RowWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def hash_to_file(
    paths: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    algos: Iterable[str] | str | None = None,
    *,
    fmt: str | None = None,
    workers: int | None = None,
    policy: DecodePolicy = DEFAULT_POLICY,
    hash_size: int = 8,
    dihedral: bool = False,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> HashSummary:
    """Hash everything under `paths` into `out` (CSV or JSONL); returns the counts."""
    names = normalize_algos(algos)
    summary = HashSummary()
    with RowWriter(out, output_columns(names, dihedral), fmt) as writer:
        for row in hash_paths(paths, names, workers=workers, policy=policy, hash_size=hash_size, dihedral=dihedral):
            writer.write(row)
            summary.add(row)
            if on_row:
                on_row(row)
    return summary



def read_rows(path: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """Stream back the rows `hash_to_file` wrote (CSV or JSONL)."""
    path = Path(path)
    if not path.is_file():
        raise HashingError(f"{path} does not exist; pass the output of `saferkit hash`.")
    with open(path, encoding="utf-8", newline="") as handle:
        if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError as exc:
                        raise HashingError(f"{path} line {number} is not JSON: {exc}") from exc
        else:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "path" not in reader.fieldnames:
                raise HashingError(f"{path} is not `saferkit hash` output (no 'path' column).")
            yield from reader
