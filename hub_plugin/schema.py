"""The published JSON Schema of a catalogue entry, and validation that names every bad field."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from saferkit.errors import UserError

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
    text = resources.files("saferkit.hub_plugin").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def entry_problems(entry: Any) -> list[tuple[str, str]]:
    """(field path, message) for every schema violation, in field order."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(entry_schema())
    problems = []
    for error in sorted(validator.iter_errors(entry), key=lambda e: [str(p) for p in e.absolute_path]):
        field = ".".join(str(part) for part in error.absolute_path) or "(top level)"
        problems.append((field, error.message[:300]))
    return problems


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
