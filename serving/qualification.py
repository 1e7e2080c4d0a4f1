"""Whether a model qualified: its scorecard found, valid, for this very submission, and `qualified: true`.

The library entry points, `serving.scan.run_scan` and `serving.app.load_state`,
refuse a model that did not qualify (no scorecard, a failing one, or one
written for another submission) unless `allow_unqualified=True` (the CLI's
`--allow-unqualified` for `saferkit scan` and `saferkit serve`); then every
scan summary, report and server response says so. The scorecard is the one `saferkit ethics check` writes, read with
`ethics.scorecard_file.read_scorecard`, which checks its schema and that it
names this submission's sha256.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

from saferkit.core.errors import UserError

ALLOW_FLAG = "--allow-unqualified"


def scorecard_candidates(submission_path: Path) -> list[Path]:
    """Where a submission's scorecard is looked for when none is named: inside its folder, then beside it."""
    from saferkit.ethics.scorecard_file import SCORECARD_FILE

    path = Path(submission_path)
    inside = [path / SCORECARD_FILE] if path.is_dir() else []
    return inside + [path.parent / SCORECARD_FILE]


def qualification(submission_path: Path, submission_sha256: str, scorecard: Optional[Path] = None) -> dict[str, Any]:
    """{"qualified", "reason", "scorecard", "scorecard_sha256"} for one submission."""
    from saferkit.ethics.scorecard_file import read_scorecard

    candidates = [Path(scorecard)] if scorecard else scorecard_candidates(submission_path)
    found = next((c for c in candidates if c.is_file() or (c.is_dir() and scorecard)), None)
    if found is None:
        return {"qualified": False, "scorecard": None, "scorecard_sha256": None,
                "reason": f"no scorecard (looked for {', '.join(str(c) for c in candidates)}); "
                          "run `saferkit ethics check` and pass its scorecard.json with --scorecard"}
    try:
        card = read_scorecard(found, submission_sha256=submission_sha256)
    except UserError as exc:
        return {"qualified": False, "scorecard": str(found), "scorecard_sha256": None, "reason": str(exc)}
    profile = card.get("profile")
    under = f" under profile {profile!r}" if isinstance(profile, str) and profile else ""
    reason = f"its scorecard says qualified{under}" if card.qualified else (
        "its scorecard says not qualified (failed: " + (", ".join(card.ids_with("fail")) or "see the card") + ")")
    signed = _attestation(card, submission_sha256)
    if signed.get("problem"):
        return {"qualified": False, "scorecard": str(card.source), "scorecard_sha256": card.sha256,
                "reason": f"its scorecard's attestation fails: {signed['problem']}", "attested": False}
    return {"qualified": card.qualified, "scorecard": str(card.source), "scorecard_sha256": card.sha256,
            "reason": reason + ("" if signed.get("attested") else " (unsigned: no attestation.json beside it)"),
            "attested": bool(signed.get("attested")), "evaluator_key_sha256": signed.get("key_sha256"),
            "profile": profile if isinstance(profile, str) else None}


def _attestation(card: Any, submission_sha256: str) -> dict[str, Any]:
    """The chain's checks that need no report: the evaluator's signature, over this card, for this submission."""
    from saferkit.core.digest import bytes_sha256
    from saferkit.core.signature import verify_statement
    from saferkit.ethics.attestation import ATTESTATION_KIND, read_attestation

    try:
        document = read_attestation(card.source)
        if document is None:
            return {"attested": False}
        statement = verify_statement(document, "the evaluator's attestation")
    except UserError as exc:
        return {"problem": str(exc)}
    if statement.get("kind") != ATTESTATION_KIND:
        return {"problem": "attestation.json is not a scorecard attestation"}
    if statement.get("submission_sha256") != submission_sha256:
        return {"problem": "the evaluator signed a judgement of another submission"}
    if statement.get("scorecard_sha256") != bytes_sha256(card.raw):
        return {"problem": "scorecard.json is not the one the evaluator signed (edited or replaced after signing)"}
    return {"attested": True, "key_sha256": document.get("key_sha256")}


def check_models(entries: Sequence[tuple[str, Path, str]], scorecards: Sequence[Path],
                 allow_unqualified: bool) -> dict[str, dict[str, Any]]:
    """Qualification of each (name, path, sha256); a UserError naming each unqualified one unless allowed.

    `scorecards` pairs with `entries` in order; fewer scorecards leave the rest to be looked up.
    """
    if len(scorecards) > len(entries):
        raise UserError(f"{len(scorecards)} --scorecard given for {len(entries)} model(s); give at most one per model, in order.")
    results = {}
    for k, (name, path, sha256) in enumerate(entries):
        results[name] = qualification(path, sha256, scorecards[k] if k < len(scorecards) else None)
    failing = {name: q for name, q in results.items() if not q["qualified"]}
    if failing and not allow_unqualified:
        details = "; ".join(f"{name}: {q['reason']}" for name, q in failing.items())
        raise UserError(f"refusing a model that did not qualify ({details}). Qualify it with `saferkit ethics check`, "
                        f"or pass {ALLOW_FLAG} to use it anyway; every report and response will then say so.")
    return results


def unqualified_note(results: dict[str, dict[str, Any]]) -> Optional[str]:
    """One line naming the unqualified models in use (for headers and report banners), or None."""
    failing = [name for name, q in results.items() if not q["qualified"]]
    if not failing:
        return None
    return f"UNQUALIFIED model(s) in use: {', '.join(failing)} (allowed with {ALLOW_FLAG}); scores are not evidence"
