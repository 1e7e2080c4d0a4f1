"""Demo stage: put the baseline submission through the ethics gate, the whole signed chain.

The demo's model trains for a few minutes on 600 images, so it cannot reach the
default profile's limits (the calibrated baseline needs 6,000 images and about
nine minutes). The stage therefore judges it under the packaged *demo* profile,
which says plainly that it is one: every measured criterion is reported against
the default limits, the performance ones are not required. A demo reviewer
answers the reviewer criteria in words that say they are the demo's, signs
them, and a demo evaluator signs the scorecard; the hub stage accredits both
keys and the demo profile on its own test catalogue and publishes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


DEMO_REVIEWER = "saferkit demo reviewer"
DEMO_REASONING = ("Demo review written by `saferkit demo` for its own synthetic baseline: the model card, the declared "
                  "answers and the measured results were read as an evaluator would; a real round needs a human reviewer.")


def _demo_profile(ctx: Any) -> Path:
    """The packaged demo profile, copied where the user can read it and pass it with --profile."""
    from saferkit.core.atomic import write_text_atomic
    from saferkit.ethics.profile import DEMO_PROFILE, packaged_profile_text

    path = Path(ctx.artifacts.get("profile_path") or Path(ctx.out) / "profiles" / DEMO_PROFILE)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, packaged_profile_text(DEMO_PROFILE))
    ctx.artifacts["profile_path"] = path
    return path


def _signed_review(ctx: Any, submission_dir: Path) -> Path:
    """The demo reviewer's answers to every reviewer criterion, signed with the demo reviewer's key."""
    import datetime as dt

    from saferkit.core.keys import generate_keypair
    from saferkit.ethics.attestation import sign_review
    from saferkit.ethics.checklist import load_criteria
    from saferkit.ethics.review import review_document, write_review
    from saferkit.evaluation.submission import load_submission

    submission = load_submission(submission_dir)
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    entries = {c.id: {"reviewer": DEMO_REVIEWER, "date": today, "decision": "pass", "reasoning": DEMO_REASONING}
               for c in load_criteria() if c.kind == "reviewer"}
    review = Path(ctx.out) / "scorecard" / "review.yaml"
    review.parent.mkdir(parents=True, exist_ok=True)
    write_review(review, review_document(submission.sha256, f"{submission.name} {submission.version}", entries))
    private, public = generate_keypair(Path(ctx.out) / "keys" / "reviewer.pem", overwrite=True)
    sign_review(review, private, DEMO_REVIEWER)
    ctx.artifacts["reviewer_public_key"] = public
    return review


def _sign(ctx: Any, out: Path, report: Path, review: Path) -> None:
    """Sign the scorecard as the demo's evaluator (`ethics check --key`); the hub stage accredits the key."""
    from saferkit.core.keys import generate_keypair
    from saferkit.ethics.attestation import attest_scorecard

    private, public = generate_keypair(Path(ctx.out) / "keys" / "evaluator.pem", overwrite=True)
    path = attest_scorecard(out / "scorecard.json", report, profile_path=ctx.artifacts.get("profile_path"),
                            review_path=review, private_key=private)
    ctx.artifacts["evaluator_public_key"] = public
    ctx.console.print(f"  signed by the demo evaluator: {path}")


def run(ctx: Any) -> None:
    """Check ctx.artifacts['submission_dir'] against report_dir/report.json; write the scorecard."""
    from saferkit.core.errors import UserError
    from saferkit.ethics.commands import results_table
    from saferkit.ethics.render import write_scorecard
    from saferkit.ethics.scorecard import judge_submission

    submission_dir = ctx.artifacts.get("submission_dir")
    report_dir = ctx.artifacts.get("report_dir")
    if not submission_dir or not report_dir:
        ctx.console.print("[yellow]ethics: no baseline submission or evaluation report in this demo; skipped.[/]")
        return
    out = Path(ctx.out) / "scorecard"
    profile = _demo_profile(ctx)
    ctx.console.print(f"  judged under the DEMO profile {profile} (measured performance reported, not required; "
                      "never a vetting profile)")
    try:
        review = _signed_review(ctx, Path(submission_dir))
        card = judge_submission(submission_dir, Path(report_dir),  # the reader finds report.json in the folder
                                review_path=review, profile_path=profile)
    except UserError as exc:
        ctx.console.print(f"[red]ethics: could not check the baseline: {exc}[/]")
        ctx.record("ethics", "scorecard not written (see the message above)", out)
        return
    paths = write_scorecard(card, out)
    _sign(ctx, out, Path(report_dir), review)
    ctx.console.print(results_table(card, "ethics gate on the baseline"))
    by_kind: dict[str, dict[str, int]] = {}
    for row in card["criteria"]:
        by_kind.setdefault(row["kind"], {}).setdefault(row["result"], 0)
        by_kind[row["kind"]][row["result"]] += 1
    for kind, counts in by_kind.items():
        summary = ", ".join(f"{n} {result}" for result, n in sorted(counts.items()))
        ctx.console.print(f"  {kind}: {summary}")
    waiting = [row["id"] for row in card["criteria"] if row["kind"] == "reviewer" and row["result"] != "pass"]
    if waiting:
        ctx.console.print(
            f"  {len(waiting)} criteria need an evaluator: run `saferkit ethics review {submission_dir}` "
            "and check again with --review."
        )
    verdict = ("qualified under the demo profile" if card["qualified"]
               else f"not qualified ({len(card['blocking'])} required criteria not passed)")
    ctx.console.print(f"  baseline: {verdict}")
    ctx.artifacts["scorecard_dir"] = out
    ctx.record("ethics", f"scorecard: {card['counts']['pass']}/{len(card['criteria'])} pass, {verdict}", paths["scorecard.html"])
