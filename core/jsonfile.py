"""Reading a JSON document a user pointed at, with one clear error for each way it can be wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError


class DocumentView(Mapping[str, Any]):
    """A parsed contract document read like the dict it is (`doc["key"]`), never written through.

    Subclasses are frozen dataclasses with a `data` field and add typed properties.
    """

    data: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class JsonDocument:
    """A parsed document with the exact bytes it came from (digests are taken over those)."""

    path: Path
    data: Any
    raw: bytes


def read_json_document(path: str | Path, *, what: str, remedy: str, default_name: str | None = None,
                       missing_remedy: str | None = None, max_bytes: int | None = None,
                       too_large: str = "it cannot be one", error: type[UserError] = UserError) -> JsonDocument:
    """Read `path` (or `path/default_name` when it is a folder) as JSON.

    Raises `error` naming `what` the file should be when it is missing (with `missing_remedy`,
    else `remedy`), larger than `max_bytes` (`too_large` says why that rules it out), or not JSON.
    """
    path = Path(path)
    if default_name is not None and path.is_dir():
        path = path / default_name
    if not path.is_file():
        raise error(f"{what} {path} does not exist; {missing_remedy or remedy}.")
    if max_bytes is not None and path.stat().st_size > max_bytes:
        raise error(f"{what} {path} is larger than {max_bytes // (1024 * 1024)} MiB; {too_large}.")
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(f"{what} {path} is not valid JSON ({exc}); {remedy}.") from None
    return JsonDocument(path, data, raw)


def read_json_file(path: str | Path, *, what: str, remedy: str, error: type[UserError] = UserError) -> Any:
    """Parse `path`; a missing or malformed file raises `error` naming `what` it should be and the `remedy`."""
    return read_json_document(path, what=what, remedy=remedy, error=error).data
