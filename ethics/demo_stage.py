"""Demo stage: put the baseline submission through the ethics gate.

Shows which criteria the baseline passes and which still need an evaluator's
review. Without a review file the gate cannot qualify anything, and the demo
says so rather than stopping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _sign(ctx: Any, out: Path, report: Path) -> None:
    """Sign the scorecard as the demo's evaluator (`ethics check --key`); the hub stage accredits the key."""
    from saferkit.core.keys import generate_keypair
    from saferkit.ethics.attestation import attest_scorecard

    private, public = generate_keypair(Path(ctx.out) / "keys" / "evaluator.pem", overwrite=True)
    path = attest_scorecard(out / "scorecard.json", report, profile_path=ctx.artifacts.get("profile_path"),
                            review_path=None, private_key=private)  # as judged: no review
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
    try:
        card = judge_submission(submission_dir, Path(report_dir),  # the reader finds report.json in the folder
                                profile_path=ctx.artifacts.get("profile_path"))
    except UserError as exc:
        ctx.console.print(f"[red]ethics: could not check the baseline: {exc}[/]")
        ctx.record("ethics", "scorecard not written (see the message above)", out)
        return
    paths = write_scorecard(card, out)
    _sign(ctx, out, Path(report_dir))
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
    verdict = "qualified" if card["qualified"] else f"not qualified ({len(card['blocking'])} required criteria not passed)"
    ctx.console.print(f"  baseline: {verdict}")
    ctx.artifacts["scorecard_dir"] = out
    ctx.record("ethics", f"scorecard: {card['counts']['pass']}/{len(card['criteria'])} pass, {verdict}", paths["scorecard.html"])
