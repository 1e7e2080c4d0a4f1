"""`HashMatcher`: load hash lists into indexes and match hashed files against them.

Each list is streamed in batches into one `HashIndex` per hash type and
length, with the list's ids, categories and sources kept in compact numpy
byte arrays (not Python objects), so big lists load without exhausting memory.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from saferkit.hashing.algorithms import DIHEDRAL_VARIANTS, is_crypto, is_weak, low_information_reason, partial_threshold
from saferkit.hashing.errors import HashingError
from saferkit.hashing.hashlist import HashListReader
from saferkit.hashing.index import HashIndex
from saferkit.core.atomic import staged_folder

LOAD_BATCH = 100_000
PREPARED_META = "lists.json"


@dataclass
class _Table:
    """One index plus the list metadata of its rows (row id = position in these arrays)."""

    index: HashIndex
    codes: list[np.ndarray] = field(default_factory=list)
    ids: list[np.ndarray] = field(default_factory=list)
    categories: list[np.ndarray] = field(default_factory=list)
    sources: list[np.ndarray] = field(default_factory=list)

    def freeze(self) -> None:
        """Index the packed hashes in one go (one build, not one merge per batch)."""
        if self.codes:
            self.index.add_words(np.concatenate(self.codes))
            self.codes = []
        for name in ("ids", "categories", "sources"):
            parts = getattr(self, name)
            if isinstance(parts, list):
                setattr(self, name, _concat(parts))


@dataclass
class LoadedList:
    """What loading one list found: its name, rows per hash type, malformed lines."""

    path: Path
    name: str
    rows: dict[str, int]
    skipped: int
    errors: list[tuple[int, str]]

    def weak_rows(self) -> dict[str, int]:
        """Rows of weak hash types (aHash, dHash, wHash), which match only with `allow_weak`."""
        return {name: n for name, n in self.rows.items() if is_weak(name)}

    def describe(self) -> dict[str, Any]:
        """What loading found, as the scan manifest and the server's responses report it."""
        return {"name": self.name, "rows": dict(self.rows), "skipped": self.skipped,
                "errors": [{"line": line, "message": message} for line, message in self.errors[:10]],
                "weak_rows_ignored": self.weak_rows()}

    def note(self, allow_weak: bool = False) -> str:
        """One line for a person: hashes by type, malformed lines skipped, weak hashes ignored."""
        text = f"list {self.name}: " + (", ".join(f"{n:,} {t}" for t, n in sorted(self.rows.items())) or "no usable hashes")
        if self.skipped:
            text += f"; {self.skipped:,} malformed line(s) skipped"
            if self.errors:
                text += f" (first at line {self.errors[0][0]}: {self.errors[0][1]})"
        weak = self.weak_rows()
        if weak and not allow_weak:
            text += f"; {sum(weak.values()):,} weak hash(es) ({', '.join(sorted(weak))}) not matched (pass --allow-weak to use them)"
        return text


class HashMatcher:
    """Match hashes (as `hash_bytes` returns them) against one or more hash lists."""

    def __init__(self, list_paths: Sequence[str | os.PathLike] | str | os.PathLike, *, strict: bool = False, fmt: str | None = None, hash_type: str | None = None,
                 allow_weak: bool = False) -> None:
        self.allow_weak = allow_weak  # aHash/dHash/wHash entries match only when asked for
        if isinstance(list_paths, (str, os.PathLike)):
            list_paths = [list_paths]
        if not list_paths:
            raise HashingError("no hash list given; pass at least one list (CSV, JSONL, text or VICS JSON).")
        self.lists: list[LoadedList] = []
        self._tables: dict[tuple[str, str, int], _Table] = {}
        for path in list_paths:
            path = Path(path)
            if (path / PREPARED_META).is_file():
                self._load_prepared(path)
            else:
                self.lists.append(self._load(path, strict=strict, fmt=fmt, hash_type=hash_type))

    def listed_videos(self) -> Any:
        """The videos on the loaded lists (frame tables, .vpdq files, VICS entries) in one `VideoMatcher`, or None.

        Built on first use and kept, so the scan's workers and the server index the frames once per matcher.
        Prepared folders hold no frame tables.
        """
        if not hasattr(self, "_listed_videos"):
            from saferkit.hashing.video_lists import read_video_lists
            from saferkit.hashing.video_match import VideoMatcher

            self._listed_videos = VideoMatcher(read_video_lists([loaded.path for loaded in self.lists]))
        return self._listed_videos if len(self._listed_videos) else None

    def save(self, folder: str | os.PathLike) -> Path:
        """Write the loaded lists as a prepared folder: indexes and metadata as `.npy` files.

        `HashMatcher([folder])` then memory-maps it instead of parsing the lists again.
        """
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        if folder.exists() and not (folder / PREPARED_META).is_file():
            raise HashingError(f"{folder} exists and is not a prepared list folder; choose another output.")
        with staged_folder(folder) as staging:
            tables = []
            for k, ((list_name, hash_type, length), table) in enumerate(self._tables.items()):
                table.freeze()
                part = staging / f"table{k}"
                table.index.save(part / "index")
                for name in ("ids", "categories", "sources"):
                    np.save(part / f"{name}.npy", np.asarray(getattr(table, name)), allow_pickle=False)
                tables.append({"list": list_name, "hash_type": hash_type, "length": length, "dir": part.name})
            lists = [{"name": lst.name, "path": str(lst.path), "rows": lst.rows, "skipped": lst.skipped} for lst in self.lists]
            meta = {"format": "saferkit-prepared-lists", "version": 1, "tables": tables, "lists": lists}
            (staging / PREPARED_META).write_text(json.dumps(meta, indent=1))
        return folder

    def _load_prepared(self, folder: Path) -> None:
        try:
            meta = json.loads((folder / PREPARED_META).read_text())
        except (OSError, ValueError) as exc:
            raise HashingError(f"{folder / PREPARED_META} is unreadable: {exc}") from exc
        if meta.get("format") != "saferkit-prepared-lists" or meta.get("version") != 1:
            raise HashingError(f"{folder} is not a version-1 saferkit prepared list folder.")
        for item in meta["tables"]:
            part = folder / item["dir"]
            table = _Table(HashIndex.load(part / "index"))
            for name in ("ids", "categories", "sources"):
                setattr(table, name, np.load(part / f"{name}.npy", mmap_mode="r", allow_pickle=False))
            self._tables[(item["list"], item["hash_type"], int(item["length"]))] = table
        for item in meta["lists"]:
            self.lists.append(LoadedList(path=folder, name=item["name"], rows=item["rows"], skipped=item["skipped"], errors=[]))

    def _load(self, path: Path, *, strict: bool, fmt: str | None, hash_type: str | None) -> LoadedList:
        reader = HashListReader(path, fmt, strict=strict, hash_type=hash_type)
        name = path.name
        if any(loaded.name == name for loaded in self.lists):
            name = str(path)
        batch: dict[tuple[str, int], list] = {}
        pending = 0
        for record in reader:
            batch.setdefault((record.hash_type, len(record.hash)), []).append(record)
            pending += 1
            if pending >= LOAD_BATCH:
                self._add_batch(name, batch)
                batch, pending = {}, 0
        self._add_batch(name, batch)
        rows: dict[str, int] = {}
        for (list_name, hash_type, _), table in self._tables.items():
            if list_name == name:
                table.freeze()
                rows[hash_type] = rows.get(hash_type, 0) + len(table.index)
        return LoadedList(path=path, name=name, rows=rows, skipped=reader.skipped, errors=reader.errors)

    def _add_batch(self, name: str, batch: dict[tuple[str, int], list]) -> None:
        for (hash_type, length), records in batch.items():
            key = (name, hash_type, length)
            table = self._tables.get(key)
            if table is None:
                table = _Table(HashIndex(hash_type, hex_length=length, id_kind="int"))
                self._tables[key] = table
            table.codes.append(table.index.pack([r.hash for r in records]))
            table.ids.append(np.array([r.id.encode("utf-8") for r in records], dtype=np.bytes_))
            table.categories.append(np.array([r.category.encode("utf-8") for r in records], dtype=np.bytes_))
            table.sources.append(np.array([r.source.encode("utf-8") for r in records], dtype=np.bytes_))

    @property
    def hash_types(self) -> set[str]:
        """Hash types present in the loaded lists (what the files must be hashed with)."""
        return {hash_type for (_, hash_type, _) in self._tables}

    def __len__(self) -> int:
        return sum(len(table.index) for table in self._tables.values())

    def match(self, hashes: dict[str, Any], threshold: int | dict[str, int] | None = None, dihedral: bool = False) -> list[dict]:
        """Every list entry that matches one file's hashes (keys as from `hash_bytes`)."""
        return self.match_many([hashes], threshold=threshold, dihedral=dihedral)[0]

    def match_many(self, rows: Sequence[dict[str, Any]], threshold: int | dict[str, int] | None = None, dihedral: bool = False) -> list[list[dict]]:
        """Batched `match`: one list of matches per row, searched with one query batch per index.

        `threshold` is bits for perceptual hashes (an int for all, or per type);
        None uses each type's default (PDQ 31). Digests always match exactly.
        Each match says its `kind`: "exact" (MD5/SHA-1/SHA-256) or "near".
        A low-information picture (`low_information_reason`) gets no near
        match unless it also matched exactly; weak hash types are searched
        only with `allow_weak`.
        With `dihedral`, PDQ is searched with all eight rotations/mirrors of the
        query (rows need `pdq_dihedral`, from `hash_bytes(..., dihedral=True)`).
        A row marked `partial` (a truncated file decoded as far as it goes) is
        matched on PDQ within `partial_threshold` of the threshold.
        """
        results: list[list[dict]] = [[] for _ in rows]
        for (list_name, hash_type, length), table in self._tables.items():
            if is_weak(hash_type) and not self.allow_weak:
                continue
            queries, owners, variants = self._queries(rows, hash_type, length, dihedral)
            if not queries:
                continue
            radius = _radius(threshold, hash_type, table.index)
            wider = partial_threshold(radius) if hash_type == "pdq" and any(rows[o].get("partial") for o in owners) else radius
            qs, found, dist = table.index.search_words(table.index.pack(queries), wider)
            best: dict[tuple[int, int], dict] = {}
            for q, row, d in zip(qs.tolist(), found.tolist(), dist.tolist()):
                owner = owners[q]
                if d > radius and not rows[owner].get("partial"):
                    continue
                previous = best.get((owner, row))
                if previous is not None and previous["distance"] <= d:
                    continue
                best[(owner, row)] = {
                    "list": list_name,
                    "id": table.ids[row].decode("utf-8"),
                    "hash_type": hash_type,
                    "distance": int(d),
                    "category": table.categories[row].decode("utf-8"),
                    "source": table.sources[row].decode("utf-8"),
                    "variant": variants[q],
                    "kind": "exact" if is_crypto(hash_type) else "near",
                }
            for (owner, _), match in best.items():
                results[owner].append(match)
        for owner, matches in enumerate(results):
            if matches and all(m["kind"] == "near" for m in matches) and low_information_reason(rows[owner]):
                matches.clear()  # a flat or low-quality picture: a near match alone is no evidence
        for matches in results:
            matches.sort(key=lambda m: (m["distance"], m["list"], m["hash_type"], m["id"]))
        return results

    @staticmethod
    def _queries(rows: Sequence[dict[str, Any]], hash_type: str, length: int, dihedral: bool) -> tuple[list[str], list[int], list[str]]:
        queries, owners, variants = [], [], []
        for owner, row in enumerate(rows):
            if hash_type == "pdq" and dihedral:
                values = row.get("pdq_dihedral")
                if values is None and row.get("pdq"):
                    raise HashingError("dihedral matching needs all eight PDQ variants: hash with dihedral=True (CLI: --dihedral).")
                pairs = list(zip(DIHEDRAL_VARIANTS, values or []))
            else:
                value = row.get(hash_type)
                pairs = [("original", value)] if value else []
            for variant, value in pairs:
                if isinstance(value, str) and len(value) == length:
                    queries.append(value.lower())
                    owners.append(owner)
                    variants.append(variant)
        return queries, owners, variants


def _radius(threshold: int | dict[str, int] | None, hash_type: str, index: HashIndex) -> int:
    if is_crypto(hash_type):
        return 0
    if isinstance(threshold, dict):
        threshold = threshold.get(hash_type)
    if threshold is None:
        return index.default_threshold()
    if threshold < 0:
        raise HashingError("the threshold must be 0 or more bits.")
    return int(threshold)


def _concat(parts: Iterable[np.ndarray]) -> np.ndarray:
    parts = list(parts)
    if not parts:
        return np.zeros(0, dtype="S1")
    width = max(p.dtype.itemsize for p in parts)
    return np.concatenate([p.astype(f"S{width}") for p in parts])


__all__ = ["HashMatcher", "LoadedList"]
