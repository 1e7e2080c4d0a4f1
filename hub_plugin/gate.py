"""The publishing gate: only a submission the ethics scorecard qualified, with matching digests.

Each refusal names the check that failed and what to do, so a team knows
whether to re-run the evaluation, the ethics gate, or fix the files given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.core.digest import bytes_sha256
from saferkit.ethics.attestation import AttestationRejected, read_attestation
from saferkit.ethics.scorecard_file import SCORECARD_FILE, Scorecard, ScorecardInvalid, read_scorecard
from saferkit.evaluation.report import REPORT_FILE, ReportInvalid, read_report

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
    scorecard: Scorecard = field(repr=False)
    attestation: dict[str, Any] | None = field(default=None, repr=False)  # the evaluator's, unverified here

    @property
    def scorecard_bytes(self) -> bytes:
        return self.scorecard.raw


def _failed_criteria(scorecard: Scorecard) -> str:
    parts = []
    for result in ("fail", "insufficient-evidence"):
        ids = scorecard.ids_with(result)
        if ids:
            parts.append(f"{result}: {', '.join(ids)}")
    return "; ".join(parts) or "no criteria listed"


def why_not_publishable(scorecard: Scorecard) -> str | None:
    """A sentence saying why a scorecard does not qualify, or None when it does."""
    if scorecard.qualified:
        return None
    return f"the scorecard says the tool is not qualified ({_failed_criteria(scorecard)})"


def check_publishable(submission_path: Path, report_path: Path, scorecard_path: Path) -> PublishInputs:
    """Load the three inputs and refuse unless qualified and every digest ties them together."""
    from saferkit.evaluation.submission import load_submission

    submission = load_submission(submission_path)
    try:
        judged = read_report(report_path)
    except ReportInvalid as exc:
        raise NotPublishable("report-schema", f"{exc} The hub publishes only reports `saferkit evaluate` wrote.") from None
    report, report_bytes = judged.data, judged.raw
    try:
        scorecard = read_scorecard(scorecard_path)
    except ScorecardInvalid as exc:
        raise NotPublishable("scorecard-schema", "the scorecard does not match the ethics scorecard schema: "
                             + "; ".join(exc.problems[:5]) + "; write it again with `saferkit ethics check`.") from None
    reason = why_not_publishable(scorecard)
    if reason:
        raise NotPublishable("qualified", reason + "; only qualified tools reach the hub.")
    if scorecard.submission_sha256 != submission.sha256:
        raise NotPublishable(
            "submission-digest",
            f"the scorecard was made for submission {scorecard.submission_sha256[:12]}..., "
            f"but {submission_path} is {submission.sha256[:12]}...; run the evaluation and ethics gate on this submission.")
    report_sha256 = bytes_sha256(report_bytes)
    if scorecard.report_sha256 != report_sha256:
        raise NotPublishable(
            "report-digest",
            f"the scorecard was made from report {scorecard.report_sha256[:12]}..., "
            f"but the report given is {report_sha256[:12]}...; pass the report the scorecard was made from.")
    reported = judged.submission_sha256
    if reported != submission.sha256:
        raise NotPublishable(
            "report-submission",
            f"the report evaluated submission {str(reported)[:12]}..., not {submission.sha256[:12]}...; "
            "evaluate this submission again.")
    try:
        attestation = read_attestation(scorecard_path)
    except AttestationRejected as exc:
        raise NotPublishable(exc.check, exc.reason) from None
    return PublishInputs(submission, report, report_bytes, scorecard, attestation)
