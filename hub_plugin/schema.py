"""The published JSON Schema of a catalogue entry, and validation that names every bad field."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from saferkit.core.schemas import packaged_schema, schema_violations
from saferkit.core.errors import UserError

SCHEMA_FILE = "entry.schema.json"


class EntryInvalid(UserError):
    """A catalogue entry does not match the schema; `fields` names each offending field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        self.fields = sorted({field for field, _ in problems})
        detail = "; ".join(f"{field}: {message}" for field, message in problems)
        super().__init__(f"the catalogue entry does not match the entry schema ({len(problems)} problem(s)): {detail}")


@lru_cache(maxsize=1)
def entry_schema() -> dict[str, Any]:
    """The entry schema shipped in `hub_plugin/schemas/` (the one source of truth)."""
    return packaged_schema("saferkit.hub_plugin", SCHEMA_FILE)


def entry_problems(entry: Any) -> list[tuple[str, str]]:
    """(field path, message) for every schema violation, in field order."""
    return [(field, message[:300]) for field, message in schema_violations(entry, entry_schema())]


def validate_entry(entry: Any) -> None:
    """Raise EntryInvalid listing every field that breaks the schema."""
    problems = entry_problems(entry)
    if problems:
        raise EntryInvalid(problems)


def vocabulary(name: str) -> list[str]:
    """The allowed values of an enumerated field, for filters and forms (purpose, technology, ...)."""
    schema = entry_schema()
    if name in schema["$defs"]:
        return list(schema["$defs"][name]["enum"])
    field = schema["properties"][name]
    return list(field["items"]["enum"] if "items" in field else field["enum"])
