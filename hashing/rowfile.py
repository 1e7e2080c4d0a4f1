"""The row files of `saferkit hash` and `match`: CSV or JSONL, written whole or not at all.

A file output goes through a temporary file renamed into place on `close`, so
an interrupted run leaves nothing half written; without a path the rows go to
standard output as they come.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import IO, Any, Iterator, Optional

from saferkit.core.atomic import AtomicFile
from saferkit.hashing.errors import HashingError

OUTPUT_FORMATS = ("csv", "jsonl")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


def output_format(path: Optional[str | os.PathLike[str]], fmt: Optional[str] = None) -> str:
    """The format asked for, else the one the extension says (CSV for standard output)."""
    chosen = (fmt or ("jsonl" if path is not None and Path(path).suffix.lower() in JSON_SUFFIXES else "csv")).lower()
    if chosen not in OUTPUT_FORMATS:
        raise HashingError(f"unknown output format {chosen!r}; use csv or jsonl.")
    return chosen


class RowWriter:
    """Stream rows to a CSV or JSONL file (renamed into place on `close`), or to standard output when `path` is None."""

    def __init__(self, path: Optional[str | os.PathLike[str]], columns: list[str], fmt: Optional[str] = None) -> None:
        self.path = None if path is None else Path(path)
        self.fmt = output_format(path, fmt)
        self.columns = columns
        self._pending = None if self.path is None else AtomicFile(self.path, "w", newline="")
        self._out: IO[str] = sys.stdout if self._pending is None else self._pending.handle
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
        if self._pending is not None:
            self._pending.commit()
        else:
            self._out.flush()

    def abort(self) -> None:
        if self._pending is not None:
            self._pending.abort()

    def __enter__(self) -> "RowWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_rows(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Stream back the rows `saferkit hash` wrote (CSV or JSONL)."""
    path = Path(path)
    if not path.is_file():
        raise HashingError(f"{path} does not exist; pass the output of `saferkit hash`.")
    with open(path, encoding="utf-8", newline="") as handle:
        if path.suffix.lower() in JSON_SUFFIXES:
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
