"""Hash or match many files: `saferkit hash` and `saferkit match` over the scan's machinery.

The files come from the one walker (`saferkit.core.walk`: same symlink policy,
same error kinds as `saferkit scan`), the work runs on the one retrying pool
(`saferkit.core.pool`: a crashed worker costs only its batch, whose rows say
`worker_died`), and the rows stream, in walk order, to CSV or JSONL
(`saferkit.hashing.rowfile`). A bad file never stops the run: it becomes a row
whose `error` says why and whose `error_kind` says which kind; the summary
counts rows by kind.
"""

from __future__ import annotations

import os
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

from saferkit.core.faults import Faults
from saferkit.core.kinds import ErrorKind
from saferkit.core.plan import Batch, stream_batches
from saferkit.core.pool import RetryingPool
from saferkit.core.walk import Listed, walk_paths
from saferkit.hashing.algorithms import ALL_ALGOS, CRYPTO_ALGOS, normalize_algos
from saferkit.hashing.decode import MEDIA_POLICY, DecodePolicy
from saferkit.hashing.errors import HashingError
from saferkit.hashing.items import ItemSettings, error_row, file_rows
from saferkit.hashing.rowfile import OUTPUT_FORMATS, RowWriter, read_rows

__all__ = ["OUTPUT_FORMATS", "RowWriter", "read_rows", "iter_files", "count_files", "hash_paths", "hash_to_file",
           "match_paths", "match_to_file", "HashSummary", "MatchSummary", "output_columns", "MATCH_COLUMNS"]

FILES_PER_BATCH = 16  # small: a crashed worker loses little, and rows stream out early
MATCH_CHUNK = 256  # rows matched per call, so the index lookups are vectorised
MATCH_COLUMNS = ["path", "parent", "list", "id", "hash_type", "distance", "category", "source", "variant", "error"]


def iter_files(paths: Sequence[str | os.PathLike[str]]) -> Iterator[Listed]:
    """Every file under `paths`, in walk order, as the walker saw it (see `saferkit.core.walk`).

    A path the user named that does not exist is a user mistake and raises
    HashingError at once, before anything is walked.
    """
    if not paths:
        raise HashingError("no paths given; pass files or folders to hash.")
    for raw in paths:
        if not os.path.lexists(raw):
            raise HashingError(f"{raw} does not exist; pass files or folders to hash.")
    return walk_paths(paths)


def count_files(paths: Sequence[str | os.PathLike[str]]) -> int:
    """Files a run will write rows for (one cheap walk), so a progress bar has a total."""
    return sum(1 for _ in iter_files(paths))


HashSettings = ItemSettings  # what a hash worker needs (algorithms, decode policy, archive limits)


class HashWorker:
    """Hashes one batch of walked files: for each, its rows (the file's, then what it holds; see `items`)."""

    def __init__(self, settings: HashSettings) -> None:
        self.settings = settings
        self.faults = Faults.from_env()

    def process(self, batch: Batch) -> list[list[dict[str, Any]]]:
        return [self.rows(item) for item in batch.files]

    def rows(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        """One listed file's rows; a file the walk could not use is its one error row."""
        if item.get("walk_error"):
            kind = ErrorKind(item["walk_error"])
            return [error_row(item["path"], kind, item.get("detail") or kind.description)]
        self.faults.before_file(item["path"])
        return file_rows(item["path"], self.settings)


def lost_batch(batch: Batch, detail: str) -> list[list[dict[str, Any]]]:
    """Rows for a batch the pool gave up on (its worker died twice): one per file."""
    return [[error_row(item["path"], ErrorKind.WORKER_DIED, detail)] for item in batch.files]


def hash_pool(settings: HashSettings, workers: Optional[int]) -> RetryingPool[Batch, list[list[dict[str, Any]]]]:
    """The retrying pool of hash workers (`workers` processes; 1 or 0: in this process)."""
    workers = workers or os.cpu_count() or 1
    return RetryingPool(partial(HashWorker, settings), workers if workers > 1 else 0, give_up=lost_batch,
                        label="hash", loads="the hash settings")


def hash_paths(
    paths: Sequence[str | os.PathLike[str]],
    algos: Iterable[str] | str | None = None,
    *,
    workers: Optional[int] = None,
    policy: DecodePolicy = MEDIA_POLICY,
    hash_size: int = 8,
    dihedral: bool = False,
) -> Iterator[dict[str, Any]]:
    """Rows for every file under `paths` and everything it holds (`items.file_rows`), in walk order,
    on `workers` processes (1: this one).

    Bad paths given by the user and bad options raise at once; bad files become error rows.
    """
    settings = HashSettings(normalize_algos(algos), policy, hash_size, dihedral)
    return _hashed_rows(paths, settings, workers, None, False, None)


def _rows(finished: Iterator[tuple[Batch, list[list[dict[str, Any]]]]]) -> Iterator[dict[str, Any]]:
    for _, per_file in finished:
        for rows in per_file:
            yield from rows


def output_columns(algos: tuple[str, ...], dihedral: bool = False) -> list[str]:
    """CSV columns: path, parent (the row a member or frame sits in), size, each hash asked for, `partial`
    (a truncated picture decoded as far as it goes) when a perceptual hash is asked for, error."""
    columns = ["path", "parent", "size"]
    for name in algos:
        columns.append(name)
        if name == "pdq":
            columns += ["pdq_quality", "pdq_low_quality"]
            if dihedral:
                columns.append("pdq_dihedral")
    if any(name not in CRYPTO_ALGOS for name in algos) or dihedral:
        columns.append("partial")
    return columns + ["error", "error_kind"]


@dataclass
class HashSummary:
    """Counts for the end of a run: listed files, rows of what they hold (`members`: archive members,
    disk-image files, PDF images, frames); `hashed` and `errors` (by `error_kind`) count every row."""

    files: int = 0
    hashed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    low_quality: int = 0
    members: int = 0

    def add(self, row: dict[str, Any]) -> None:
        if row.get("parent"):
            self.members += 1
        else:
            self.files += 1
        if row.get("error"):
            self.errors[row.get("error_kind") or "other"] += 1
        else:
            self.hashed += 1
        if row.get("pdq_low_quality"):
            self.low_quality += 1


def hash_to_file(
    paths: Sequence[str | os.PathLike[str]],
    out: Optional[str | os.PathLike[str]],
    algos: Iterable[str] | str | None = None,
    *,
    fmt: Optional[str] = None,
    workers: Optional[int] = None,
    policy: DecodePolicy = MEDIA_POLICY,
    hash_size: int = 8,
    dihedral: bool = False,
    on_row: Optional[Callable[[dict[str, Any]], None]] = None,
    resume: bool = False,
) -> HashSummary:
    """Hash everything under `paths` into `out` (CSV or JSONL; None: standard output); returns the counts.

    With `resume=True` finished work is kept beside `out` so that the same call,
    after an interruption, continues where it stopped (see `hashing.resume`).
    """
    settings = HashSettings(normalize_algos(algos), policy, hash_size, dihedral)
    rows = _hashed_rows(paths, settings, workers, out, resume, on_row)
    summary = HashSummary()
    with RowWriter(out, output_columns(settings.algos, dihedral), fmt) as writer:
        for row in rows:
            writer.write(row)
            summary.add(row)
    _finish(out, resume)
    return summary


RESUME_NEEDS_OUT = "resuming needs an output file; pass --out."


def require_resume_target(out: Optional[str | os.PathLike[str]], resume: bool) -> None:
    """A resumable run keeps its shards beside its output file, so it needs one (checked before any work starts)."""
    if resume and out is None:
        raise HashingError(RESUME_NEEDS_OUT)


def _hashed_rows(paths: Sequence[str | os.PathLike[str]], settings: HashSettings, workers: Optional[int],
                 out: Optional[str | os.PathLike[str]], resume: bool,
                 on_row: Optional[Callable[[dict[str, Any]], None]]) -> Iterator[dict[str, Any]]:
    """Every row in walk order: streamed from the pool, or (resume) through kept shards."""
    if resume:
        from saferkit.hashing.resume import resumable_rows

        if out is None:
            raise HashingError(RESUME_NEEDS_OUT)
        return resumable_rows(paths, settings, out, workers, on_row)
    rows = _rows(hash_pool(settings, workers).run(stream_batches(iter_files(paths), FILES_PER_BATCH), ordered=True))
    return rows if on_row is None else _calling(on_row, rows)


def _calling(on_row: Callable[[dict[str, Any]], None], rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        on_row(row)
        yield row


def _finish(out: Optional[str | os.PathLike[str]], resume: bool) -> None:
    if resume and out is not None:
        from saferkit.hashing.resume import finish

        finish(out)


@dataclass
class MatchSummary(HashSummary):
    """A hash summary plus how many listed files matched (themselves or something they hold), how many
    rows matched, and how many matches there were."""

    matched_files: int = 0
    matched_rows: int = 0
    matches: int = 0
    _file_matched: bool = False

    def add_matches(self, row: dict[str, Any], matches: list[dict[str, Any]]) -> None:
        if not row.get("parent"):
            self._file_matched = False
        if matches:
            self.matched_rows += 1
            self.matches += len(matches)
            if not self._file_matched:
                self.matched_files += 1
                self._file_matched = True


def _match_settings(matcher: Any, dihedral: bool, policy: DecodePolicy) -> HashSettings:
    """Hash only what the lists hold."""
    algos = tuple(name for name in ALL_ALGOS if name in matcher.hash_types)
    if not algos:
        raise HashingError("the lists hold no usable hashes; check them with `saferkit hashlist info`.")
    return HashSettings(algos, policy, dihedral=dihedral)


def match_paths(
    paths: Sequence[str | os.PathLike[str]],
    matcher: Any,
    *,
    threshold: Optional[int] = None,
    dihedral: bool = False,
    workers: Optional[int] = None,
    policy: DecodePolicy = MEDIA_POLICY,
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(row, matches) for every file under `paths`, hashing only what `matcher`'s lists hold."""
    settings = _match_settings(matcher, dihedral, policy)
    return _matched(_hashed_rows(paths, settings, workers, None, False, None), matcher, threshold, dihedral)


def _matched(rows: Iterator[dict[str, Any]], matcher: Any, threshold: Optional[int],
             dihedral: bool) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    while chunk := list(islice(rows, MATCH_CHUNK)):
        yield from zip(chunk, matcher.match_many(chunk, threshold=threshold, dihedral=dihedral))


def match_to_file(
    paths: Sequence[str | os.PathLike[str]],
    matcher: Any,
    out: Optional[str | os.PathLike[str]] = None,
    *,
    threshold: Optional[int] = None,
    dihedral: bool = False,
    workers: Optional[int] = None,
    policy: DecodePolicy = MEDIA_POLICY,
    on_row: Optional[Callable[[dict[str, Any]], None]] = None,
    resume: bool = False,
) -> MatchSummary:
    """Match everything under `paths`; every match (and every file error) to `out` (CSV or JSONL).

    Without `out`, each match is printed to standard output as one tab-separated
    line. `resume=True` keeps the hashes beside `out`, as for `hash_to_file`.
    """
    settings = _match_settings(matcher, dihedral, policy)
    found_rows = _matched(_hashed_rows(paths, settings, workers, out, resume, on_row), matcher, threshold, dihedral)
    summary = MatchSummary()
    with RowWriter(out, MATCH_COLUMNS) if out is not None else nullcontext() as writer:
        for row, matches in found_rows:
            summary.add(row)
            summary.add_matches(row, matches)
            for found in matches:
                if writer is not None:
                    writer.write({"path": row["path"], "parent": row.get("parent"), **found})
                else:
                    print(f"{row['path']}\t{found['list']}:{found['id']}\t{found['hash_type']}\tdistance={found['distance']}"
                          f"\t{found['variant']}\t{found['category']}")
            if row.get("error") and writer is not None:
                writer.write({"path": row["path"], "parent": row.get("parent"), "error": row["error"]})
    _finish(out, resume)
    return summary
