"""A board's 'qualified' column for a round: the vetting chain, not a JSON field.

A scorecard beside a report counts as qualified only when the hub's chain
holds (`hub_plugin.gate.check_publishable` then `hub_plugin.chain.check_chain`):
it says qualified, it judged exactly this report of exactly this submission,
an accredited evaluator (not expired, not revoked) signed it
(`ethics.attestation`), the profile it was judged under is accredited by
digest, and that profile is the round's accredited profile (name, version
and, when round.yaml gives it, sha256). Anything else is 'not qualified'
with the failing link, or 'not checked' when no scorecard was written.

Rounds sit above the hub in the package graph (`rounds/server.py` already
mounts on the hub's app), so this module imports the hub; `evaluation`,
below both, takes the result through `build_board(qualify=...)`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from saferkit.evaluation.leaderboard import SCORECARD_FILE
from saferkit.evaluation.report import Report
from saferkit.hub_plugin.registry import Registry

NOT_CHECKED, QUALIFIED, NOT_QUALIFIED = "not checked", "qualified", "not qualified"


def _profile_mismatch(required: dict[str, Any], name: str, version: str | None, sha256: str) -> str | None:
    if name != required.get("name"):
        return f"judged under profile {name!r}, but the round's accredited profile is {required.get('name')!r}"
    if required.get("version") is not None and str(required["version"]) != str(version):
        return f"judged under {name!r} version {version}, but the round requires version {required['version']}"
    if required.get("sha256") and required["sha256"] != sha256:
        return f"judged under a text of {name!r} ({sha256[:12]}...) other than the round's ({str(required['sha256'])[:12]}...)"
    return None


def chain_qualifier(submission_of: Callable[[Path, Report], Path | None], registry: Registry | None,
                    round_profile: dict[str, Any], today: Callable[[], dt.date] | None = None
                    ) -> Callable[[Path, Report], dict[str, Any]]:
    """A `build_board(qualify=...)` function verifying each report's scorecard against `registry` and the round's profile."""
    from saferkit.hub_plugin.chain import check_chain
    from saferkit.hub_plugin.gate import NotPublishable, check_publishable

    def qualify(folder: Path, report: Report) -> dict[str, Any]:
        scorecard = folder / SCORECARD_FILE
        if not scorecard.is_file():
            return {"state": NOT_CHECKED, "profile": None, "why": "no scorecard beside the report"}
        if registry is None:
            return {"state": NOT_CHECKED, "profile": None,
                    "why": "no registry of accredited evaluators to verify the scorecard's signature against"}
        submission = submission_of(folder, report)
        if submission is None or not submission.exists():
            return {"state": NOT_QUALIFIED, "profile": None, "why": "the judged submission is not held by this round"}
        try:
            chain = check_chain(check_publishable(submission, Path(report.source), scorecard), registry,
                                today() if today else None)
        except NotPublishable as exc:
            return {"state": NOT_QUALIFIED, "profile": None, "check": exc.check, "why": str(exc).removeprefix("not published ")}
        profile = chain.profile
        assert profile is not None and chain.evaluator is not None  # check_chain with a registry vouches for both
        mismatch = _profile_mismatch(round_profile, profile.name, profile.version, profile.sha256)
        if mismatch:
            return {"state": NOT_QUALIFIED, "profile": profile.name, "check": "round-profile", "why": mismatch}
        return {"state": QUALIFIED, "profile": profile.name, "evaluator": chain.evaluator.name}

    return qualify


__all__ = ["chain_qualifier"]
