"""Reading a JSON file that a user pointed at, with one clear error if it is not there or not JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError


def read_json_file(path: str | Path, *, what: str, remedy: str, error: type[UserError] = UserError) -> Any:
    """Parse `path`; a missing or malformed file raises `error` naming `what` it should be and the `remedy`."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} {path} does not exist; {remedy}.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(f"{what} {path} is not valid JSON ({exc}); {remedy}.") from None
