"""The one reader of report.json: read the exact bytes, check them against the schema, return a `Report`.

The ethics gate, the hub's publishing gate, the leaderboard and tracking all read
a report through `read_report`, so a report one of them accepts the others accept
too, and the digest the scorecard names is the digest of the bytes that were read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from saferkit.core.digest import bytes_sha256
from saferkit.core.errors import UserError
from saferkit.core.jsonfile import DocumentView, read_json_document
from saferkit.core.schemas import packaged_schema, schema_violations

REPORT_FILE = "report.json"
REPORT_SCHEMA_FILE = "report.schema.json"
REPORT_MAX_BYTES = 64 * 1024 * 1024  # far above any real report; a larger file is not one
REMEDY = "pass a report folder written by `saferkit evaluate` or its report.json"


class ReportInvalid(UserError):
    """The file is JSON but not a saferkit report; `problems` lists each schema violation."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema report.json follows (evaluation/schemas/report.schema.json)."""
    return packaged_schema("saferkit.evaluation", REPORT_SCHEMA_FILE)


def report_problems(report: Any) -> list[str]:
    """Every way a report departs from the schema, each with its location."""
    return [f"{where}: {message}" for where, message in schema_violations(report, report_schema())]


@dataclass(frozen=True)
class Report(DocumentView):
    """A report.json as read: typed fields for what readers decide on, the parsed report as a mapping,
    the sha256 of its exact bytes (what a scorecard names), where it came from, and the bytes."""

    data: dict[str, Any] = field(repr=False)
    sha256: str
    source: str
    raw: bytes = field(default=b"", repr=False)

    @property
    def submission(self) -> dict[str, Any]:
        """The `submission` section: name, version, sha256, task, labels, threshold."""
        return self.data["submission"]

    @property
    def submission_sha256(self) -> str:
        """The digest of the submission this report judged."""
        return str(self.submission["sha256"])

    @property
    def provenance_sha256(self) -> str:
        """The digest of the data set's provenance record the report was measured on."""
        return str(self.data["data"]["provenance_sha256"])

    def metric(self, name: str) -> dict[str, Any] | None:
        """A measured metric by name ({value, ci_low, ci_high}), or None when the report has no such metric."""
        from saferkit.evaluation.claims import measured_metric

        return measured_metric(self.data, name)


def read_report(path: str | Path) -> Report:
    """Load a report.json (or the folder holding one); refuse anything that does not follow the schema."""
    document = read_json_document(path, what="report", default_name=REPORT_FILE, remedy=REMEDY, max_bytes=REPORT_MAX_BYTES,
                                  too_large="it cannot be an evaluation report")
    path, data, raw = document.path, document.data, document.raw
    problems = report_problems(data)
    if problems:
        raise ReportInvalid(f"{path} is not a saferkit report: {'; '.join(problems[:5])}; run `saferkit evaluate` again.", problems)
    return Report(data, bytes_sha256(raw), str(path), raw)
