"""The kit's published JSON Schemas, and their violations in a form a user can act on.

Every document a user writes or the kit publishes (submission.yaml, reports,
scorecards, hub entries, ethics criteria, profiles, reviews) is checked against
a schema shipped inside the package; this is the one place that reads them and
names each problem by where it is.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def packaged_schema(package: str, file_name: str) -> dict[str, Any]:
    """The schema `file_name` from `package`'s schemas folder (each caller caches its own)."""
    return json.loads(resources.files(package).joinpath("schemas", file_name).read_text(encoding="utf-8"))


def schema_violations(document: Any, schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, message) for every way `document` departs from `schema`, in field order.

    `where` is a dotted path such as `claims.recall` or `(top level)`.
    """
    from jsonschema import Draft202012Validator  # imported late: the CLI's start-up stays fast

    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [(".".join(str(part) for part in error.absolute_path) or "(top level)", error.message) for error in errors]
