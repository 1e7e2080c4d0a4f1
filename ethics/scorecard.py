"""The scorecard: every criterion decided, and `qualified` only when every required one passes.

The scorecard names the sha256 of the submission and of the report it judged,
so it cannot be moved to another model; a report made for another submission
is refused outright. Reading a scorecard back is `ethics/scorecard_file.py`'s job.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from saferkit import __version__
from saferkit.core.errors import UserError
from saferkit.ethics.automatic import decide_automatic
from saferkit.ethics.checklist import Criterion, load_criteria
from saferkit.ethics.decision import PASS, RESULTS, Decision
from saferkit.ethics.declared import decide_declared
from saferkit.ethics.profile import Profile, load_profile
from saferkit.ethics.review import Review, decide_reviewer, load_review
from saferkit.ethics.scorecard_file import SCHEMA_VERSION
from saferkit.evaluation.report import Report, read_report


def require_same_submission(report: Report, submission_sha256: str, submission_source: str) -> None:
    """Refuse a report made for another submission, or for this one before it was changed."""
    judged = report.submission_sha256
    if judged != submission_sha256:
        raise UserError(
            f"report {report.source} judged submission {judged[:16]}…, but {submission_source} is "
            f"{submission_sha256[:16]}…; the report belongs to another submission or one of them was changed. "
            "Evaluate this submission again and check the new report."
        )


def decide(
    criterion: Criterion,
    *,
    manifest: dict[str, Any],
    submission_sha256: str,
    report: dict[str, Any],
    profile: Profile,
    review: Review | None,
    known_digests: set[str] | None,
    today: dt.date | None = None,
) -> Decision:
    """Route a criterion to the decider for its kind."""
    if criterion.kind == "automatic":
        return decide_automatic(criterion, report, profile, submission_sha256)
    if criterion.kind == "declared":
        return decide_declared(criterion, manifest, profile, known_digests)
    return decide_reviewer(criterion, review, today)


def build_scorecard(
    *,
    manifest: dict[str, Any],
    submission_sha256: str,
    report: Report,
    profile: Profile,
    review: Review | None = None,
    known_digests: set[str] | None = None,
    criteria: tuple[Criterion, ...] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Decide every criterion and assemble scorecard.json (see docs/CONTRACTS.md)."""
    rows = []
    for criterion in criteria or load_criteria():
        decision = decide(
            criterion,
            manifest=manifest,
            submission_sha256=submission_sha256,
            report=report.data,
            profile=profile,
            review=review,
            known_digests=known_digests,
            today=today,
        )
        rows.append(
            {
                "id": criterion.id,
                "title": criterion.title,
                "principle": criterion.principle,
                "sub_principle": criterion.sub_principle,
                "sources": criterion.source_labels,
                "kind": criterion.kind,
                "required": profile.is_required(criterion),
                "result": decision.result,
                "evidence": decision.evidence,
                "why": decision.why,
            }
        )
    counts = {result: sum(row["result"] == result for row in rows) for result in RESULTS}
    blocking = [row["id"] for row in rows if row["required"] and row["result"] != PASS]
    return {
        "schema_version": SCHEMA_VERSION,
        "qualified": not blocking,
        "submission_sha256": submission_sha256,
        "report_sha256": report.sha256,
        "profile": profile.name,
        "criteria": rows,
        "counts": counts,
        "blocking": blocking,
        "submission": {"name": manifest.get("name"), "version": manifest.get("version")},
        "review_used": review.source if review else None,
        "limits": profile.limits,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "saferkit_version": __version__,
    }


def training_digests(folders: list[Path]) -> set[str] | None:
    """Provenance digests of data folders the evaluator holds (None when none were given)."""
    if not folders:
        return None
    from saferkit.datasets.provenance import provenance_sha256, require_provenance

    digests = set()
    for folder in folders:
        require_provenance(folder)
        digests.add(provenance_sha256(folder))
    return digests


def judge_submission(
    submission_path: str | Path,
    report_path: str | Path,
    *,
    review_path: str | Path | None = None,
    profile_path: str | Path | None = None,
    training_data: list[Path] | None = None,
) -> dict[str, Any]:
    """Judge a submission against its report: load everything, refuse mismatched inputs, return the scorecard (nothing written)."""
    from saferkit.evaluation.submission import load_submission

    submission = load_submission(submission_path)
    report = read_report(report_path)
    require_same_submission(report, submission.sha256, str(submission_path))
    profile = load_profile(profile_path)
    review = load_review(review_path, submission.sha256) if review_path else None
    return build_scorecard(
        manifest=submission.manifest,
        submission_sha256=submission.sha256,
        report=report,
        profile=profile,
        review=review,
        known_digests=training_digests(list(training_data or [])),
    )
