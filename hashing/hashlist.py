"""Hash lists: read and write CSV, JSONL, plain text (ThreatExchange/HMA) and VICS JSON.

Everything streams: readers yield one `HashRecord` at a time and writers take
an iterator, so a 10-million-line list is never held as Python objects.
Malformed lines are counted and reported with their line numbers; with
`strict=True` the first one stops the read with a HashingError.

Formats (chosen by `fmt`, or by the file extension):
- `csv` (.csv): header `hash_type,hash,id,category,source`, extra columns kept.
- `jsonl` (.jsonl, .ndjson): one object a line with the same keys.
- `text` (.txt, .hashes, .pdq): one hex hash a line, the ThreatExchange / HMA
  form; `#` comments and blank lines are skipped; the hash type is the one
  given, else the file's `# hash_type: NAME` header (which the writer puts
  first), else PDQ for 64 digits, MD5 for 32, SHA-1 for 40; ids are line
  numbers. A text list holds ONE hash type and no ids or categories: writing
  records of several types refuses (a SHA-256 would read back as a PDQ).
- `vics` (.json): the public fields of the VICS media model
  (`{"@odata.context": ..., "value": [{"MediaID", "Category", "MD5", "SHA1",
  "MediaSize", ...}]}`); PDQ travels as the extra field `PDQ`. One media entry
  yields one record per hash it carries; writing groups consecutive records
  with the same id into one media entry, and refuses hash types VICS has no
  field for (pHash, dHash, aHash, wHash) instead of dropping them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from saferkit.core.atomic import atomic_open
from saferkit.hashing.algorithms import ALL_ALGOS, CRYPTO_HEX_LENGTH, canonical_name
from saferkit.hashing.errors import HashingError

FORMATS = ("csv", "jsonl", "text", "vics")
CSV_COLUMNS = ("hash_type", "hash", "id", "category", "source")
VICS_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"
VICS_HASH_FIELDS = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "PDQ": "pdq"}
MAX_REPORTED_ERRORS = 100
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".txt": "text", ".hashes": "text", ".pdq": "text", ".json": "vics"}
_HEX = re.compile(r"^[0-9a-f]+$")
_TEXT_TYPES = {64: "pdq", 32: "md5", 40: "sha1"}
_TEXT_HEADER = re.compile(r"^#\s*hash_type\s*:\s*([A-Za-z0-9_-]+)\s*$")
VIDEO_FRAME_TYPES = ("vpdq",)  # a video's frame PDQ on a frame table (see hashing/video_lists.py)


@dataclass
class HashRecord:
    """One hash on a list: what it is, its value (lower-case hex) and where it came from."""

    hash_type: str
    hash: str
    id: str
    category: str = ""
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def detect_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format named by `fmt`, or the one the file extension implies."""
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise HashingError(f"unknown hash-list format {fmt!r}; choose from {', '.join(FORMATS)}.")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise HashingError(f"cannot tell the format of {path} from its extension; pass --format ({', '.join(FORMATS)}).")
    return _EXTENSIONS[suffix]


def validate(record: HashRecord) -> HashRecord:
    """Normalise a record (lower-case hex, canonical type) or raise ValueError saying what is wrong."""
    hash_type = canonical_name(record.hash_type or "")
    if hash_type not in ALL_ALGOS and hash_type not in VIDEO_FRAME_TYPES:
        raise ValueError(f"unsupported hash type {record.hash_type!r}")
    value = (record.hash or "").strip().lower()
    if not value or not _HEX.match(value):
        raise ValueError(f"{hash_type} value {value[:70]!r} is not hexadecimal")
    expected = CRYPTO_HEX_LENGTH.get(hash_type) or (64 if hash_type in ("pdq", *VIDEO_FRAME_TYPES) else None)
    if expected and len(value) != expected:
        raise ValueError(f"{hash_type} hash has {len(value)} hex digits, expected {expected}")
    if not expected and len(value) > 256:
        raise ValueError(f"{hash_type} hash has {len(value)} hex digits, more than 256")
    record.hash_type, record.hash = hash_type, value
    record.id = str(record.id).strip() if record.id not in (None, "") else ""
    record.category = "" if record.category is None else str(record.category)
    record.source = "" if record.source is None else str(record.source)
    return record


class HashListReader:
    """Iterate over a list's valid records; `errors` and `skipped` describe what was dropped."""

    def __init__(self, path: str | os.PathLike, fmt: str | None = None, *, strict: bool = False, hash_type: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise HashingError(f"hash list {self.path} does not exist or is not a file.")
        self.fmt = detect_format(self.path, fmt)
        self.strict = strict
        self.hash_type = canonical_name(hash_type) if hash_type else None
        self.errors: list[tuple[int, str]] = []
        self.skipped = 0
        self.read = 0

    def __iter__(self) -> Iterator[HashRecord]:
        parse = {"csv": self._csv, "jsonl": self._jsonl, "text": self._text, "vics": self._vics}[self.fmt]
        name = self.path.name
        for line, record in parse():
            if isinstance(record, str):
                self._bad(line, record)
                continue
            try:
                record = validate(record)
            except ValueError as exc:
                self._bad(line, str(exc))
                continue
            if not record.id:
                record.id = f"{name}:{line}"
            self.read += 1
            yield record

    def _bad(self, line: int, message: str) -> None:
        if self.strict:
            raise HashingError(f"{self.path} line {line}: {message} (drop --strict to skip and count malformed lines).")
        self.skipped += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append((line, message))

    def _open(self):
        try:
            return open(self.path, "r", encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise HashingError(f"cannot read hash list {self.path}: {exc.strerror or exc}") from exc

    def _csv(self) -> Iterator[tuple[int, HashRecord | str]]:
        with self._open() as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip().lower() for h in header]
            wide = [h for h in header if canonical_name(h) in ALL_ALGOS]
            if "hash" not in header and not wide:
                raise HashingError(f"{self.path}: a CSV hash list needs a header with at least 'hash' (and usually {','.join(CSV_COLUMNS)}), "
                                   "or one column per hash type (MD5, SHA1, SHA256, PDQ, as IPED and Griffeye write them).")
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    yield line, f"{len(row)} columns where the header has {len(header)}"
                    continue
                item = dict(zip(header, row))
                if "hash" in header:
                    yield line, self._from_mapping(item)
                    continue
                for column in wide:  # the wide layout: one record per hash column that has a value
                    if item[column].strip():
                        yield line, HashRecord(hash_type=canonical_name(column), hash=item[column],
                                               id=item.get("id") or item.get("mediaid") or f"{self.path.name}:{line}",
                                               category=item.get("category", ""), source=item.get("set") or item.get("source", ""))

    def _jsonl(self) -> Iterator[tuple[int, HashRecord | str]]:
        with self._open() as handle:
            for line, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    item = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield line, f"not valid JSON ({exc.msg})"
                    continue
                if not isinstance(item, dict):
                    yield line, "not a JSON object"
                    continue
                yield line, self._from_mapping(item)

    def _from_mapping(self, item: dict) -> HashRecord | str:
        item = dict(item)
        hash_type = item.pop("hash_type", None) or self.hash_type
        if not hash_type:
            return "no hash_type"
        value = item.pop("hash", None)
        if not isinstance(value, str):
            return "no hash value"
        return HashRecord(
            hash_type=str(hash_type),
            hash=value,
            id=item.pop("id", "") or "",
            category=item.pop("category", "") or "",
            source=item.pop("source", "") or "",
            extra={k: v for k, v in item.items() if v not in (None, "")},
        )

    def _text(self) -> Iterator[tuple[int, HashRecord | str]]:
        name = self.path.name
        declared = None
        with self._open() as handle:
            for line, text in enumerate(handle, start=1):
                value = text.strip()
                if not value or value.startswith("#"):
                    header = _TEXT_HEADER.match(value)
                    if header and declared is None:
                        declared = canonical_name(header.group(1))
                    continue
                value = value.split(",")[0].split()[0]
                hash_type = self.hash_type or declared or _TEXT_TYPES.get(len(value))
                if hash_type is None:
                    yield line, f"cannot tell the hash type of a {len(value)}-digit value; pass --hash-type"
                    continue
                yield line, HashRecord(hash_type=hash_type, hash=value, id=f"{name}:{line}", source=name)

    def _vics(self) -> Iterator[tuple[int, HashRecord | str]]:
        with self._open() as handle:
            for line, item in _stream_vics_media(handle, self.path):
                if isinstance(item, str):
                    yield line, item
                    continue
                yield from self._vics_media(line, item)

    def _vics_media(self, line: int, media: dict) -> Iterator[tuple[int, HashRecord | str]]:
        """Records of one media entry, or of every media entry of a case (`Cases -> Media` exports)."""
        if isinstance(media.get("Media"), list):
            for nested in media["Media"]:
                if isinstance(nested, dict):
                    yield from self._vics_media(line, nested)
                else:
                    yield line, "media entry is not a JSON object"
            return
        found = False
        for field_name, hash_type in VICS_HASH_FIELDS.items():
            value = media.get(field_name)
            if value:
                found = True
                yield line, HashRecord(
                    hash_type=hash_type,
                    hash=str(value),
                    id=str(media.get("MediaID", "")),
                    category=str(media.get("Category", "")),
                    source="vics",
                    extra={k: media[k] for k in ("MediaSize", "DateUpdated", "IsPrecategorized", "RelativeFilePath") if k in media},
                )
        if not found:
            yield line, "media entry without MD5, SHA1, SHA256 or PDQ"


def _stream_vics_media(handle: io.TextIOBase, path: Path, chunk_size: int = 1 << 20) -> Iterator[tuple[int, dict | str]]:
    """Yield (line, media object) from a VICS file's "value" array without loading the file."""
    decoder = json.JSONDecoder()
    buffer = ""
    line = 1
    eof = False

    def fill() -> bool:
        nonlocal buffer, eof
        if eof:
            return False
        more = handle.read(chunk_size)
        if not more:
            eof = True
            return False
        buffer += more
        return True

    # Find the start of the "value" array.
    while True:
        match = re.search(r'"value"\s*:\s*\[', buffer)
        if match:
            line += buffer.count("\n", 0, match.end())
            buffer = buffer[match.end() :]
            break
        if not fill():
            raise HashingError(f"{path}: not a VICS media file (no \"value\" array).")
        if len(buffer) > 64 * chunk_size:
            raise HashingError(f"{path}: not a VICS media file (no \"value\" array near the start).")
    pos = 0
    skip = re.compile(r"[\s,]*")
    while True:
        gap = skip.match(buffer, pos)
        end = gap.end() if gap else pos
        line += buffer.count("\n", pos, end)
        pos = end
        if pos >= len(buffer):
            buffer, pos = "", 0
            if not fill():
                raise HashingError(f"{path}: the VICS \"value\" array is not closed (file truncated?).")
            continue
        if buffer[pos] == "]":
            return
        try:
            item, end = decoder.raw_decode(buffer, pos)
        except json.JSONDecodeError as exc:
            buffer, pos = buffer[pos:], 0
            if len(buffer) < 16 * chunk_size and fill():
                continue
            yield line, f"malformed media entry ({exc.msg})"
            return
        yield line, item if isinstance(item, dict) else "media entry is not a JSON object"
        line += buffer.count("\n", pos, end)
        pos = end


def read_hashlist(path: str | os.PathLike, fmt: str | None = None, *, strict: bool = False, hash_type: str | None = None) -> HashListReader:
    """A streaming reader over a hash list (iterate it; then look at `.skipped` and `.errors`)."""
    return HashListReader(path, fmt, strict=strict, hash_type=hash_type)


def only_types(records: Iterable[HashRecord], names: Iterable[str]) -> Iterator[HashRecord]:
    """The records of the named hash types (to split a list for a format that carries fewer)."""
    wanted = {canonical_name(n) for n in names}
    unknown = wanted - set(ALL_ALGOS)
    if unknown:
        raise HashingError(f"unknown hash type {', '.join(sorted(unknown))}; choose from {', '.join(ALL_ALGOS)}.")
    return (record for record in records if record.hash_type in wanted)


def write_hashlist(records: Iterable[HashRecord], path: str | os.PathLike, fmt: str | None = None) -> int:
    """Write records to `path` (via a temporary file renamed into place); returns how many."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    writer = {"csv": _write_csv, "jsonl": _write_jsonl, "text": _write_text, "vics": _write_vics}[fmt]
    with atomic_open(path, "w", newline="") as out:
        return writer(records, out)


def _write_csv(records: Iterable[HashRecord], out) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in records:
        writer.writerow([record.hash_type, record.hash, record.id, record.category, record.source])
        count += 1
    return count


def _write_jsonl(records: Iterable[HashRecord], out) -> int:
    count = 0
    for record in records:
        item = {"hash_type": record.hash_type, "hash": record.hash, "id": record.id, "category": record.category, "source": record.source}
        item.update({k: v for k, v in record.extra.items() if k not in item})
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
        count += 1
    return count


def _write_text(records: Iterable[HashRecord], out) -> int:
    count = 0
    kind = None
    for record in records:
        if kind is None:
            kind = record.hash_type
            out.write(f"# hash_type: {kind}\n")
        elif record.hash_type != kind:
            raise HashingError(
                f"a text list holds one hash type, and this list has {kind} and {record.hash_type}; "
                "write one text list per type with `saferkit hashlist convert IN OUT.txt --only TYPE`, "
                "or convert to csv or jsonl, which carry every type.")
        out.write(record.hash + "\n")
        count += 1
    return count


def _write_vics(records: Iterable[HashRecord], out) -> int:
    out.write(json.dumps({"@odata.context": VICS_CONTEXT})[:-1] + ', "value": [\n')
    count = 0
    media: dict[str, Any] | None = None
    first = True
    wanted = {v: k for k, v in VICS_HASH_FIELDS.items()}

    def flush() -> None:
        nonlocal first
        if media is not None:
            out.write(("" if first else ",\n") + json.dumps(media, ensure_ascii=False))
            first = False

    for record in records:
        field_name = wanted.get(record.hash_type)
        if field_name is None:
            raise HashingError(
                f"VICS has no field for {record.hash_type} hashes (it carries {', '.join(VICS_HASH_FIELDS)}); "
                "leave them out with `saferkit hashlist convert IN OUT.json --only md5,sha1,sha256,pdq`, "
                "or convert to csv or jsonl, which carry every type.")
        if media is None or media["MediaID"] != _vics_id(record.id) or field_name in media:
            flush()
            media = {"MediaID": _vics_id(record.id)}
            if record.category not in (None, ""):
                media["Category"] = _vics_category(record.category)
            media.update({k: v for k, v in record.extra.items() if k in ("MediaSize", "DateUpdated", "IsPrecategorized")})
        media[field_name] = record.hash.upper() if record.hash_type != "pdq" else record.hash
        count += 1
    flush()
    out.write("\n]}\n")
    return count


def _vics_id(value: str) -> int | str:
    """An integer MediaID where the id is one (written back the same), else the id as it is."""
    text = str(value)
    return int(text) if text.isdigit() and str(int(text)) == text else text


def _vics_category(value: str) -> int | str:
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() and str(int(text)) == text else text


def records_from_rows(
    rows: Iterable[dict[str, Any]], algos: Iterable[str], *, category: str = "", source: str = "", id_key: str = "path"
) -> Iterator[HashRecord]:
    """Turn `hash_file` rows into list records (one per algorithm present): how a list is built from hashed files."""
    names = [canonical_name(a) for a in algos]
    for row in rows:
        if row.get("error"):
            continue
        for name in names:
            value = row.get(name)
            if value:
                yield HashRecord(hash_type=name, hash=str(value), id=str(row.get(id_key, "")), category=category, source=source)
