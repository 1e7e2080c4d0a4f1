"""Hash-chained JSON lines: each entry carries its sequence number, its own hash and the previous entry's.

Used by the serving audit log and the scan custody log. An edited line no
longer matches its own `hash`; a removed line leaves a gap in `seq` and a
`prev` that names a hash the line before does not have; lines added out of
order break both. Only the very last line can be removed without a trace in
the file itself, which is why the scan signs the chain's head and a server
operator can note the head (`saferkit serve verify-audit` prints it).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator, Optional

GENESIS = "0" * 64


def entry_hash(entry: dict[str, Any]) -> str:
    """sha256 of the entry's canonical JSON without its own `hash` field."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")).hexdigest()


def chain_entry(record: dict[str, Any], seq: int, prev: str) -> dict[str, Any]:
    """`record` with `seq`, `prev` and its `hash` added, ready to write as one line."""
    entry = {**record, "seq": seq, "prev": prev}
    entry["hash"] = entry_hash(entry)
    return entry


def dumps(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str) + "\n"


def last_entry(path: Path) -> Optional[dict[str, Any]]:
    """The last complete entry of a chained file (read from its end), or None for an empty or missing file."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            block = min(size, 1 << 16)
            while True:
                handle.seek(size - block)
                tail = handle.read(block)
                lines = [line for line in tail.split(b"\n") if line.strip()]
                if len(lines) > 1 or block == size:
                    break
                block = min(size, block * 4)
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "hash" in entry:
            return entry
    return None


def verify_lines(lines: Iterator[bytes] | list[bytes], what: str) -> tuple[list[str], Optional[dict[str, Any]], int]:
    """(problems, last entry, count) of a chain; each problem names the line and what is wrong with it."""
    problems: list[str] = []
    previous: Optional[dict[str, Any]] = None
    count = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        count += 1
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict):
                raise ValueError("not an object")
        except ValueError:
            problems.append(f"{what} line {number} is not a JSON object (changed or damaged)")
            previous = None
            continue
        if entry.get("hash") != entry_hash(entry):
            problems.append(f"{what} line {number} was changed (seq {entry.get('seq')}: its content no longer matches its hash)")
        expected_seq = 1 if previous is None and number == 1 else (previous or {}).get("seq", 0) + 1
        if previous is not None or number == 1:
            if entry.get("seq") != expected_seq:
                gap = f"{expected_seq}" if entry.get("seq") == expected_seq + 1 else f"{expected_seq} to {entry.get('seq', 0) - 1}"
                problems.append(f"{what}: entry {gap} was removed before line {number} (seq jumps to {entry.get('seq')})")
            elif entry.get("prev") != (previous["hash"] if previous else GENESIS):
                problems.append(f"{what} line {number} does not follow line {number - 1} (an entry was removed, replaced or reordered)")
        previous = entry
    return problems, previous, count


def verify_file(path: Path, what: Optional[str] = None) -> tuple[list[str], Optional[dict[str, Any]], int]:
    with open(path, "rb") as handle:
        return verify_lines(list(handle), what or Path(path).name)
