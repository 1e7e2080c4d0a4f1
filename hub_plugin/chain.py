"""The vetting chain a catalogue checks before listing a tool, and the summary its page shows.

The gate (`gate.check_publishable`) ties submission, report and scorecard
together; this adds who judged them and under which limits: the evaluator's
attestation must verify, its key must be accredited (not expired, not
revoked), the profile it was judged under must be accredited by digest, and
a review the scorecard relies on must be signed by an accredited evaluator's
key (a reviewer is an evaluator; unsigned answers could be anyone's).
Every refusal is a NotPublishable whose `check` names the failing link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from saferkit.ethics.attestation import AttestationRejected, Attested, profile_description, profile_limits, verify_attestation
from saferkit.hub_plugin.gate import NotPublishable, PublishInputs
from saferkit.hub_plugin.registry import AccreditedEvaluator, AccreditedProfile, Registry


@dataclass(frozen=True)
class Chain:
    """A verified chain: the attestation, and the registry records that vouch for it (None unchecked)."""

    attested: Attested
    evaluator: AccreditedEvaluator | None = None
    profile: AccreditedProfile | None = None


def _profile_refusal(attested: Attested, registry: Registry) -> NotPublishable:
    claimed = attested.profile
    same_name = [p for p in registry.profiles.values() if p.name == claimed.get("name") and not p.revoked_at]
    if same_name:
        known = ", ".join(f"version {p.version} ({p.sha256[:12]}...)" for p in same_name)
        return NotPublishable("profile-edited", f"profile {claimed.get('name')!r} is accredited as {known}, but the "
                              f"scorecard was judged under a different text ({str(claimed.get('sha256'))[:12]}...): "
                              "its name or limits were edited. Judge the tool under the accredited profile.")
    return NotPublishable("profile-not-accredited", f"profile {claimed.get('name')!r} ({str(claimed.get('sha256'))[:12]}...) "
                          "is not accredited by this catalogue; judge the tool under an accredited profile, or ask the "
                          "operator to accredit it with `saferkit hub accredit profile`.")


def check_chain(inputs: PublishInputs, registry: Registry | None, today: dt.date | None = None) -> Chain:
    """Verify the attestation's bindings, then (with a registry) the evaluator's and profile's accreditation."""
    try:
        attested = verify_attestation(inputs.attestation, scorecard_bytes=inputs.scorecard_bytes,
                                      scorecard=inputs.scorecard.data, report_bytes=inputs.report_bytes,
                                      submission_sha256=inputs.submission.sha256)
    except AttestationRejected as exc:
        raise NotPublishable(exc.check, exc.reason) from None
    if registry is None:
        return Chain(attested)
    evaluator = registry.evaluators.get(attested.evaluator_key_sha256)
    if evaluator is None:
        raise NotPublishable("evaluator-not-accredited", f"the scorecard was signed by key "
                             f"{attested.evaluator_key_sha256[:12]}..., which is not an accredited evaluator of this "
                             "catalogue; have an accredited evaluator run `saferkit ethics check ... --key`.")
    refusal = evaluator.refusal(today or dt.datetime.now(dt.timezone.utc).date())
    if refusal:
        raise NotPublishable(*refusal)
    profile = registry.profiles.get(str(attested.profile.get("sha256")))
    if profile is not None and profile.revoked_at:
        raise NotPublishable("profile-not-accredited", f"profile {profile.name!r} version {profile.version} was "
                             f"revoked on {profile.revoked_at[:10]}; judge the tool under a profile this catalogue "
                             "accredits now.")
    if profile is None:
        raise _profile_refusal(attested, registry)
    _check_reviewer(attested, registry, today)
    return Chain(attested, evaluator, profile)


def _check_reviewer(attested: Attested, registry: Registry, today: dt.date | None) -> None:
    """The review's answers count only when an accredited evaluator signed them."""
    review = attested.review
    if not review:
        return
    if not review.get("signature"):
        raise NotPublishable("review-unsigned", "the scorecard relies on reviewer answers that nobody signed; the "
                             "reviewer signs them with `saferkit ethics sign-review REVIEW --key reviewer.pem`, then "
                             "the evaluator runs `saferkit ethics check ... --review REVIEW --key` again.")
    reviewer = registry.evaluators.get(str(review.get("reviewer_key_sha256")))
    if reviewer is None:
        raise NotPublishable("reviewer-not-accredited", f"the review was signed by key "
                             f"{str(review.get('reviewer_key_sha256'))[:12]}..., which is not an accredited evaluator "
                             "of this catalogue; ask the operator to accredit the reviewer with "
                             "`saferkit hub accredit evaluator`.")
    refusal = reviewer.refusal(today or dt.datetime.now(dt.timezone.utc).date(), role="reviewer")
    if refusal:
        raise NotPublishable(*refusal)


def vetting_summary(chain: Chain) -> dict[str, Any]:
    """Who evaluated, when, on which data, under which profile, and who reviewed: for the entry and page."""
    statement = chain.attested.statement
    profile = chain.attested.profile
    review = chain.attested.review
    summary: dict[str, Any] = {
        "evaluator": {"key_sha256": chain.attested.evaluator_key_sha256,
                      "name": chain.evaluator.name if chain.evaluator else None},
        "evaluated_at": statement["signed_at"],
        "data": {"provenance_sha256": statement["data"]["provenance_sha256"], "size": statement["data"].get("size")},
        "profile": {"name": profile["name"], "sha256": profile["sha256"],
                    "version": chain.profile.version if chain.profile else profile.get("version"),
                    "limits": profile_limits(profile["content"]) or {},
                    "description": profile_description(profile["content"])},
        "reviewer": None,
        "accredited": chain.evaluator is not None and chain.profile is not None,
    }
    if review:
        summary["reviewer"] = {"name": review.get("reviewer"), "key_sha256": review.get("reviewer_key_sha256"),
                               "review_sha256": review["sha256"]}
    return summary
