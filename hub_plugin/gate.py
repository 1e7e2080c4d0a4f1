"""The publishing gate: only a submission the ethics scorecard qualified, with matching digests.

Each refusal names the check that failed and what to do, so a team knows
whether to re-run the evaluation, the ethics gate, or fix the files given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.core.digest import bytes_sha256
from saferkit.evaluation.report import REPORT_FILE, ReportInvalid, read_report

SCORECARD_FILE = "scorecard.json"
__all__ = ["REPORT_FILE", "SCORECARD_FILE", "NotPublishable", "PublishInputs", "check_publishable", "why_not_publishable"]


class NotPublishable(UserError):
    """The gate refused: `check` names which one (qualified, submission-digest, report-digest, ...)."""

    def __init__(self, check: str, message: str) -> None:
        self.check = check
        super().__init__(f"not published ({check}): {message}")


@dataclass(frozen=True)
class PublishInputs:
    """What the gate accepted: the submission and the exact report and scorecard bytes."""

    submission: Any  # saferkit.evaluation.submission.Submission
    report: dict[str, Any] = field(repr=False)
    report_bytes: bytes = field(repr=False)
    scorecard: dict[str, Any] = field(repr=False)
    scorecard_bytes: bytes = field(repr=False)


def _read_json(path: Path, default_name: str, what: str) -> tuple[dict[str, Any], bytes]:
    path = Path(path)
    if path.is_dir():
        path = path / default_name
    if not path.is_file():
        raise UserError(f"{path} does not exist; pass the {what} file (or the folder holding {default_name}).")
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path} is not valid JSON ({exc.__class__.__name__}); pass the {what} the kit wrote.") from None
    if not isinstance(data, dict):
        raise UserError(f"{path} is not a {what} (expected a JSON object).")
    return data, raw


def _failed_criteria(scorecard: dict[str, Any]) -> str:
    parts = []
    for result in ("fail", "insufficient-evidence"):
        ids = [c.get("id", "?") for c in scorecard.get("criteria", []) if c.get("result") == result]
        if ids:
            parts.append(f"{result}: {', '.join(ids)}")
    return "; ".join(parts) or "no criteria listed"


def why_not_publishable(scorecard: dict[str, Any]) -> str | None:
    """A sentence saying why a scorecard does not qualify, or None when it does."""
    if scorecard.get("qualified") is True:
        return None
    return f"the scorecard says the tool is not qualified ({_failed_criteria(scorecard)})"


def check_publishable(submission_path: Path, report_path: Path, scorecard_path: Path) -> PublishInputs:
    """Load the three inputs and refuse unless qualified and every digest ties them together."""
    from saferkit.ethics.scorecard import scorecard_problems
    from saferkit.evaluation.submission import load_submission

    submission = load_submission(submission_path)
    try:
        judged = read_report(report_path)
    except ReportInvalid as exc:
        raise NotPublishable("report-schema", f"{exc} The hub publishes only reports `saferkit evaluate` wrote.") from None
    report, report_bytes = judged.data, judged.raw
    scorecard, scorecard_bytes = _read_json(scorecard_path, SCORECARD_FILE, "ethics scorecard")
    problems = scorecard_problems(scorecard)
    if problems:
        raise NotPublishable("scorecard-schema", "the scorecard does not match the ethics scorecard schema: "
                             + "; ".join(problems[:5]) + "; write it again with `saferkit ethics check`.")
    reason = why_not_publishable(scorecard)
    if reason:
        raise NotPublishable("qualified", reason + "; only qualified tools reach the hub.")
    if scorecard.get("submission_sha256") != submission.sha256:
        raise NotPublishable(
            "submission-digest",
            f"the scorecard was made for submission {str(scorecard.get('submission_sha256'))[:12]}..., "
            f"but {submission_path} is {submission.sha256[:12]}...; run the evaluation and ethics gate on this submission.")
    report_sha256 = bytes_sha256(report_bytes)
    if scorecard.get("report_sha256") != report_sha256:
        raise NotPublishable(
            "report-digest",
            f"the scorecard was made from report {str(scorecard.get('report_sha256'))[:12]}..., "
            f"but the report given is {report_sha256[:12]}...; pass the report the scorecard was made from.")
    reported = judged.submission_sha256
    if reported != submission.sha256:
        raise NotPublishable(
            "report-submission",
            f"the report evaluated submission {str(reported)[:12]}..., not {submission.sha256[:12]}...; "
            "evaluate this submission again.")
    return PublishInputs(submission, report, report_bytes, scorecard, scorecard_bytes)
