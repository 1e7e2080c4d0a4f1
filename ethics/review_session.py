"""One evaluator's review of one submission: resume, what to read first, the questions, the file.

Kept apart from review.py (the review file and its decisions), which the
scorecard reads: a review session also runs the scorecard, to show the
measured results before the evaluator decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from saferkit.ethics.review import Ask, resumable_review, review_context, walk_through, write_review


def review_submission(
    submission: Path,
    out: Path,
    *,
    ask: Ask,
    say: Callable[[str], None],
    reviewer: str | None = None,
    report: Path | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Walk an evaluator through the reviewer criteria for `submission`; write and return the review document.

    An earlier review of the same submission at `out` is resumed (its decisions
    are the defaults); one of another submission is replaced only with
    `overwrite`. With `report`, the automatic criteria's results and evidence
    are shown first. Nothing is written when the walk-through is interrupted.
    """
    from saferkit.evaluation.submission import load_submission

    loaded = load_submission(submission)
    previous = resumable_review(out, loaded.sha256, overwrite)
    context = review_context(loaded.manifest)
    if report is not None:
        from saferkit.ethics.scorecard import judge_submission

        card = judge_submission(submission, report)
        for row in card["criteria"]:
            if row["kind"] == "automatic":
                context[f"{row['id']} ({row['result']})"] = row["evidence"]
    document = walk_through(
        submission_sha256=loaded.sha256,
        submission_label=f"{loaded.name} {loaded.version}",
        context=context,
        ask=ask,
        say=say,
        previous=previous,
        reviewer=reviewer,
    )
    write_review(out, document)
    return document
