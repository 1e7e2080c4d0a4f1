"""scorecard.json as its readers see it: the schema, and the one typed reader every consumer uses.

The ethics gate writes the card (`ethics/scorecard.py`, `ethics/render.py`);
the hub's publishing gate and anyone else read it through `read_scorecard`,
which checks it against `ethics/schemas/scorecard.schema.json` and keeps the
exact bytes, so what was checked is what gets signed and published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from saferkit.core.digest import bytes_sha256
from saferkit.core.errors import UserError
from saferkit.core.jsonfile import DocumentView, read_json_document
from saferkit.core.schemas import packaged_schema, schema_violations

SCORECARD_FILE = "scorecard.json"
SCHEMA_VERSION = 1
MAX_SCORECARD_BYTES = 16 * 1024 * 1024
REMEDY = "write it again with `saferkit ethics check`"


class ScorecardInvalid(UserError):
    """A scorecard that breaks its schema; `problems` names each violation."""

    def __init__(self, message: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(message)


@lru_cache(maxsize=1)
def scorecard_schema() -> dict[str, Any]:
    """The published JSON Schema of scorecard.json."""
    return packaged_schema("saferkit.ethics", "scorecard.schema.json")


def scorecard_problems(scorecard: Any) -> list[str]:
    """Schema violations in a scorecard (for readers such as the hub, and as a self-check)."""
    return [f"{where}: {message}" for where, message in schema_violations(scorecard, scorecard_schema())]


@dataclass(frozen=True)
class Scorecard(DocumentView):
    """A schema-valid scorecard: typed fields for what readers decide on, the parsed card as a mapping, its bytes."""

    data: dict[str, Any] = field(repr=False)
    raw: bytes = field(repr=False)
    source: Path

    @property
    def qualified(self) -> bool:
        return bool(self.data["qualified"])

    @property
    def submission_sha256(self) -> str:
        return str(self.data["submission_sha256"])

    @property
    def report_sha256(self) -> str:
        return str(self.data["report_sha256"])

    @property
    def profile(self) -> str | None:
        profile = self.data.get("profile")
        return str(profile) if profile else None

    @property
    def criteria(self) -> list[dict[str, Any]]:
        return list(self.data["criteria"])

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.data["counts"])

    @cached_property
    def sha256(self) -> str:
        """sha256 of the exact bytes read (what a catalogue entry names)."""
        return bytes_sha256(self.raw)

    def ids_with(self, result: str) -> list[str]:
        """Ids of the criteria whose result is `result` ("pass", "fail", "insufficient-evidence")."""
        return [str(criterion["id"]) for criterion in self.criteria if criterion["result"] == result]


def read_scorecard(path: str | Path, submission_sha256: str | None = None) -> Scorecard:
    """Read and validate scorecard.json (or the folder holding it); refuse one made for another submission.

    A card that passes this check is what the gate wrote: the schema also
    refuses `qualified: true` beside a required criterion that did not pass.
    Schema violations raise `ScorecardInvalid`; anything else unreadable a `UserError`.
    """
    document = read_json_document(
        path, what="scorecard", default_name=SCORECARD_FILE, remedy=REMEDY, max_bytes=MAX_SCORECARD_BYTES,
        missing_remedy=f"pass the {SCORECARD_FILE} that `saferkit ethics check` wrote (or its folder)", too_large="it cannot be a scorecard")
    path, card, raw = document.path, document.data, document.raw
    problems = scorecard_problems(card)
    if problems:
        raise ScorecardInvalid(f"scorecard {path} is not a valid scorecard: {'; '.join(problems[:5])}; {REMEDY}.", problems)
    scorecard = Scorecard(card, raw, path)
    if submission_sha256 is not None and scorecard.submission_sha256 != submission_sha256:
        raise UserError(
            f"scorecard {path} is for submission {scorecard.submission_sha256[:16]}…, not {submission_sha256[:16]}…; "
            "check this submission with `saferkit ethics check`."
        )
    return scorecard
