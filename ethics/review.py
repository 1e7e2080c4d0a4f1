"""Reviewer criteria: judgements only an evaluator can make, recorded with name, date and reasoning.

The review file is YAML bound to one submission by its sha256, so a review
cannot be moved to another model. `walk_through` asks the questions in the
terminal (reading answers from stdin, so it can be scripted and tested).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml

from saferkit.core.schemas import packaged_schema, schema_violations
from saferkit.core.errors import UserError
from saferkit.ethics.checklist import Criterion, load_criteria
from saferkit.ethics.decision import FAIL, INSUFFICIENT, PASS, Decision
from saferkit.core.atomic import write_text_atomic
from saferkit.ethics.plausibility import text_problem

REVIEW_MIN_CHARS = 20
REVIEW_MIN_WORDS = 4
DECISIONS = ("pass", "fail", "abstain")


@dataclass(frozen=True)
class Review:
    """Parsed review file: the submission it is about and one entry per reviewed criterion."""

    submission_sha256: str
    entries: dict[str, dict[str, str]]
    source: str


@lru_cache(maxsize=1)
def review_schema() -> dict[str, Any]:
    """The JSON Schema a review file follows."""
    return packaged_schema("saferkit.ethics", "review.schema.json")


def _dates_as_text(node: Any) -> Any:
    """YAML reads an unquoted 2026-01-31 as a date; the schema wants the ISO text."""
    if isinstance(node, dict):
        return {key: _dates_as_text(value) for key, value in node.items()}
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()[:10]
    return node


def parse_review(text: str, source: str, criteria: tuple[Criterion, ...] | None = None) -> Review:
    """Validate a review file's text; every id must name a reviewer criterion."""
    try:
        document = _dates_as_text(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise UserError(f"review file {source} is not valid YAML: {str(exc).splitlines()[0]}; fix or rewrite it with `saferkit ethics review`.") from None
    problems = [f"{where}: {message}" for where, message in schema_violations(document, review_schema())]
    if not problems:
        reviewer_ids = {c.id for c in (criteria or load_criteria()) if c.kind == "reviewer"}
        problems += [f"reviews: '{cid}' is not a reviewer criterion" for cid in document["reviews"] if cid not in reviewer_ids]
        for cid, entry in document["reviews"].items():
            try:
                dt.date.fromisoformat(entry["date"])
            except ValueError:
                problems.append(f"reviews.{cid}.date: {entry['date']!r} is not a real date")
    if problems:
        raise UserError(f"review file {source} is not valid: {'; '.join(problems)}.")
    return Review(document["submission_sha256"], document["reviews"], source)


def load_review(path: str | Path, submission_sha256: str) -> Review:
    """Read a review file and refuse it when it was written for another submission."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"review file {path} does not exist; write one with `saferkit ethics review SUB`.")
    review = parse_review(path.read_text(encoding="utf-8"), str(path))
    if review.submission_sha256 != submission_sha256:
        raise UserError(
            f"review file {path} is for submission {review.submission_sha256[:16]}…, not this one "
            f"({submission_sha256[:16]}…); review this submission with `saferkit ethics review SUB`."
        )
    return review


def decide_reviewer(criterion: Criterion, review: Review | None, today: dt.date | None = None) -> Decision:
    """A reviewer criterion passes only on a recorded pass with a name, a past date and real reasoning."""
    entry = review.entries.get(criterion.id) if review else None
    if entry is None:
        why = "no review file was given" if review is None else "the review file has no decision on it"
        return Decision(INSUFFICIENT, "no reviewer decision", f"{why}; an evaluator records one with `saferkit ethics review`")
    evidence = f"{entry['decision']} by {entry['reviewer']} on {entry['date']}: \"{' '.join(entry['reasoning'].split())}\""
    name_problem = text_problem(entry["reviewer"], min_chars=2, min_words=1)
    if name_problem:
        return Decision(INSUFFICIENT, evidence, f"reviewer name: {name_problem}")
    today = today or dt.date.today()
    if dt.date.fromisoformat(entry["date"]) > today + dt.timedelta(days=1):
        return Decision(INSUFFICIENT, evidence, f"the review is dated {entry['date']}, in the future")
    reasoning_problem = text_problem(entry["reasoning"], min_chars=REVIEW_MIN_CHARS, min_words=REVIEW_MIN_WORDS)
    if reasoning_problem:
        return Decision(INSUFFICIENT, evidence, f"reasoning: {reasoning_problem}")
    if entry["decision"] == "abstain":
        return Decision(INSUFFICIENT, evidence, f"{entry['reviewer']} abstained; another evaluator must decide")
    if entry["decision"] == "fail":
        return Decision(FAIL, evidence, f"{entry['reviewer']} judged that it does not meet the criterion")
    return Decision(PASS, evidence, f"{entry['reviewer']} judged that it meets the criterion")


def review_document(submission_sha256: str, submission_label: str, entries: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The review file's content, in the schema's shape."""
    return {"schema_version": 1, "submission_sha256": submission_sha256, "submission": submission_label, "reviews": entries}


def write_yaml_atomic(path: Path, document: dict[str, Any], header: str = "") -> None:
    """Write the review file whole or not at all."""
    write_text_atomic(path, header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100))


REVIEW_FILE_HEADER = "# saferkit ethics review: decisions on the reviewer criteria for one submission.\n"


def write_review(path: Path, document: dict[str, Any]) -> None:
    """Write a review document as a review file, with the header that says what it is."""
    write_yaml_atomic(path, document, REVIEW_FILE_HEADER)


def resumable_review(path: Path, submission_sha256: str, overwrite: bool = False) -> Review | None:
    """The earlier review at `path` to resume, or None to start afresh.

    An earlier review of the same submission supplies the defaults; a review of
    another submission is never silently replaced (only with `overwrite`).
    """
    if not path.exists():
        return None
    if path.is_dir():
        raise UserError(f"--out {path} is a folder; pass a file name such as {path / 'review.yaml'}.")
    existing = parse_review(path.read_text(encoding="utf-8"), str(path))
    if existing.submission_sha256 == submission_sha256:
        return load_review(path, submission_sha256)
    if not overwrite:
        raise UserError(f"{path} is a review of another submission; choose another --out or pass --overwrite.")
    return None


def review_context(manifest: dict[str, Any]) -> dict[str, str]:
    """What an evaluator should have in view before deciding: the model card's key fields."""
    card = manifest.get("model_card") or {}
    labels = {"intended_use": "Intended use", "out_of_scope_uses": "Out of scope", "human_oversight": "Human oversight"}
    context = {label: " ".join(str(card[key]).split()) for key, label in labels.items() if card.get(key)}
    answered = sum(1 for value in (manifest.get("ethics") or {}).values() if value not in ("", None, False))
    context["Ethics answers"] = f"{answered} given in submission.yaml (see the scorecard for each)"
    return context


Ask = Callable[..., str]


def walk_through(
    *,
    submission_sha256: str,
    submission_label: str,
    context: dict[str, str],
    ask: Ask,
    say: Callable[[str], None],
    previous: Review | None = None,
    reviewer: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Ask the evaluator about each reviewer criterion; return the review document.

    `ask(prompt, default=None, choices=None)` returns one answer; `say` prints.
    `context` maps a label to text worth reading first (intended use, answers).
    An earlier review of the same submission supplies defaults, so an evaluator
    can revisit one decision and keep the rest.
    """
    today = today or dt.date.today()
    criteria = [c for c in load_criteria() if c.kind == "reviewer"]
    entries: dict[str, dict[str, str]] = dict(previous.entries) if previous else {}
    say(f"Reviewing {submission_label} (submission {submission_sha256[:16]}…): {len(criteria)} reviewer criteria.")
    for label, text in context.items():
        say(f"  {label}: {text}")
    name = reviewer or ask("Your name (recorded with each decision)", default=_last_reviewer(entries))
    while text_problem(name, min_chars=2, min_words=1):
        name = ask("Please give your name", default=None)
    for number, criterion in enumerate(criteria, start=1):
        earlier = entries.get(criterion.id)
        say("")
        say(f"[{number}/{len(criteria)}] {criterion.id}: {criterion.title}")
        say(f"  Question: {criterion.question}")
        say(f"  Guidance: {criterion.help}")
        if earlier:
            say(f"  Recorded earlier: {earlier['decision']} by {earlier['reviewer']} on {earlier['date']}: {earlier['reasoning']}")
        choices = [*DECISIONS, "skip"] + (["keep"] if earlier else [])
        decision = ask("Decision", default="keep" if earlier else "skip", choices=choices)
        if decision == "keep":
            continue
        if decision == "skip":
            entries.pop(criterion.id, None)
            continue
        reasoning = ask("Reasoning (what you read and why you decided so)", default=None)
        while problem := text_problem(reasoning, min_chars=REVIEW_MIN_CHARS, min_words=REVIEW_MIN_WORDS):
            say(f"  Not recorded: {problem}.")
            reasoning = ask("Reasoning", default=None)
        entries[criterion.id] = {"reviewer": name, "date": today.isoformat(), "decision": decision, "reasoning": " ".join(reasoning.split())}
    return review_document(submission_sha256, submission_label, entries)


def _last_reviewer(entries: dict[str, dict[str, str]]) -> str | None:
    names = [entry["reviewer"] for entry in entries.values()]
    return names[-1] if names else None
