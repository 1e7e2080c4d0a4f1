"""Declared criteria: decided from what the team wrote in submission.yaml.

The gate checks that each answer is present and plausible (not empty, short,
repetitive or a placeholder), that the licence is free for agencies, and that
the training data list names only synthetic or permitted proxy data with
well-formed provenance digests. Whether the answers are true is a reviewer's
judgement (governance.answers_reviewed).
"""

from __future__ import annotations

from typing import Any

from saferkit.ethics.automatic import lookup
from saferkit.datasets.provenance import PERMITTED_CONTENT
from saferkit.ethics.checklist import Criterion
from saferkit.ethics.decision import FAIL, INSUFFICIENT, PASS, Decision, combine
from saferkit.ethics.plausibility import (
    as_text,
    contact_problem,
    digest_problem,
    short_text_problem,
    text_problem,
)
from saferkit.ethics.profile import Profile

QUOTE_CHARS = 240


def quote(value: Any) -> str:
    """An answer as quoted on a scorecard, shortened to a readable length."""
    text = as_text(value)
    if text is None:
        return repr(value)
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= QUOTE_CHARS else f'"{text[:QUOTE_CHARS].rstrip()}…"'


def _answer_decision(criterion: Criterion, manifest: dict[str, Any], profile: Profile) -> Decision:
    """The team's own answer under ethics.<id>."""
    answers = manifest.get("ethics")
    if not isinstance(answers, dict):
        answers = {}
    where = f"ethics.{criterion.id}"
    answer = answers.get(criterion.id)
    if criterion.answer == "confirm":
        evidence = f"{where} = {answer!r}"
        if answer is True:
            return Decision(PASS, evidence, f"{where} confirmed")
        if answer is None:
            return Decision(INSUFFICIENT, f"{where}: absent", f"{where} is missing; the team must confirm it with true")
        return Decision(INSUFFICIENT, evidence, f"{where} is not confirmed (it must be the YAML value true)")
    problem = text_problem(
        answer,
        min_chars=profile.min_chars,
        min_words=profile.min_words,
        echoes=(criterion.question or "", criterion.help or ""),
    )
    evidence = f"{where}: absent" if answer is None else f"{where} = {quote(answer)}"
    if problem:
        return Decision(INSUFFICIENT, evidence, f"{where}: {problem}")
    return Decision(PASS, evidence, f"{where} answered")


def licence_decision(licence: Any, profile: Profile) -> Decision:
    """The SPDX expression must allow use under at least one alternative made only of free licences."""
    evidence = f"license = {licence!r}"
    problem = short_text_problem(licence)
    if problem:
        return Decision(INSUFFICIENT, evidence, f"license: {problem}")
    free = {name.lower() for name in profile.free_licences}
    alternatives = [alt.strip("() ") for alt in str(licence).split(" OR ")]
    for alternative in alternatives:
        parts = [part.split(" WITH ")[0].strip("() ") for part in alternative.split(" AND ")]
        if all(part.lower() in free for part in parts):
            return Decision(PASS, evidence, f"{alternative} is on the round's list of free licences")
    return Decision(
        FAIL, evidence, f"{licence} is not on the round's list of licences free for agencies ({', '.join(profile.free_licences[:6])}, …)"
    )


def training_data_decision(entries: Any, known_digests: set[str] | None) -> Decision:
    """Each training set: permitted content, a licence, a plausible provenance digest, matched when folders are given."""
    if not isinstance(entries, list) or not entries:
        return Decision(INSUFFICIENT, "training_data: absent", "training_data lists no data sets")
    decisions, seen = [], set()
    for index, entry in enumerate(entries):
        entry = entry if isinstance(entry, dict) else {}
        name = entry.get("name", f"#{index + 1}")
        digest = entry.get("provenance_sha256")
        evidence = f"training_data[{name}]: content={entry.get('content')!r}, license={entry.get('license')!r}, provenance_sha256={str(digest)[:16]}…"
        if entry.get("content") not in PERMITTED_CONTENT:
            decisions.append(Decision(FAIL, evidence, f"{name}: content {entry.get('content')!r} is not synthetic or benign-proxy"))
            continue
        problem = short_text_problem(entry.get("license")) or digest_problem(digest)
        if problem:
            decisions.append(Decision(INSUFFICIENT, evidence, f"{name}: {problem}"))
        elif digest in seen:
            decisions.append(Decision(INSUFFICIENT, evidence, f"{name}: repeats another data set's provenance digest"))
        elif known_digests is not None and digest not in known_digests:
            decisions.append(Decision(FAIL, evidence, f"{name}: provenance digest matches none of the data folders given"))
        else:
            matched = "matches a data folder given" if known_digests is not None else "well-formed (not checked against data)"
            decisions.append(Decision(PASS, evidence, f"{name}: {entry['content']}, provenance digest {matched}"))
        seen.add(digest)
    return combine(decisions)


def _field_decision(path: str, manifest: dict[str, Any], profile: Profile, known_digests: set[str] | None) -> Decision:
    value = lookup(manifest, path, default=None)
    if path == "license":
        return licence_decision(value, profile)
    if path == "training_data":
        return training_data_decision(value, known_digests)
    evidence = f"{path}: absent" if value is None else f"{path} = {quote(value)}"
    if path == "team.contact":
        problem = contact_problem(value)
    elif path == "operating_point.chosen_for":
        problem = short_text_problem(value)
    else:
        problem = text_problem(value, min_chars=profile.min_chars, min_words=profile.min_words)
    if problem:
        return Decision(INSUFFICIENT, evidence, f"{path}: {problem}")
    return Decision(PASS, evidence, f"{path} given")


def decide_declared(
    criterion: Criterion, manifest: dict[str, Any], profile: Profile, known_digests: set[str] | None = None
) -> Decision:
    """Decide a declared criterion from the manifest: its own answer and every field it also reads."""
    decisions = []
    if criterion.asks_team:
        decisions.append(_answer_decision(criterion, manifest, profile))
    decisions.extend(_field_decision(path, manifest, profile, known_digests) for path in criterion.also_reads)
    return combine(decisions)
