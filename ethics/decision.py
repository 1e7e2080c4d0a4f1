"""One criterion's outcome, and how outcomes combine. Missing evidence never passes."""

from __future__ import annotations

from dataclasses import dataclass

PASS = "pass"
FAIL = "fail"
INSUFFICIENT = "insufficient-evidence"
RESULTS = (PASS, FAIL, INSUFFICIENT)


@dataclass(frozen=True)
class Decision:
    """A result with the evidence it rests on (quoted) and why it came out that way."""

    result: str
    evidence: str
    why: str


def combine(decisions: list[Decision]) -> Decision:
    """All parts must pass: any failure fails, otherwise any gap in evidence is a gap; none at all is a gap."""
    if not decisions:
        return Decision(INSUFFICIENT, "nothing", "there was nothing to judge")
    if any(d.result == FAIL for d in decisions):
        result = FAIL
    elif any(d.result == INSUFFICIENT for d in decisions):
        result = INSUFFICIENT
    else:
        result = PASS
    why_parts = [d.why for d in decisions if d.result == result] if result != PASS else [d.why for d in decisions]
    return Decision(result, "; ".join(d.evidence for d in decisions), "; ".join(why_parts))
