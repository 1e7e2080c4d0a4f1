"""The questions a team answers under `ethics:` in submission.yaml, and the template.

`saferkit init` embeds `template()` in a new submission.yaml and
`saferkit ethics template` prints it, so the questions live in one place: the
declared criteria in `ethics/criteria/*.yaml`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import yaml

from saferkit.ethics.checklist import load_criteria

WIDTH = 88


@dataclass(frozen=True)
class Question:
    """One declared criterion as the team sees it."""

    id: str
    title: str
    question: str
    help: str
    answer: str  # "text" (a written answer) or "confirm" (true when it holds)
    required: bool


def declared_questions() -> list[Question]:
    """Every question the team must answer, keyed by criterion id, in scorecard order."""
    return [
        Question(c.id, c.title, c.question or "", c.help or "", c.answer or "text", c.required)
        for c in load_criteria()
        if c.asks_team
    ]


def declared_ids() -> list[str]:
    """The criterion ids expected as keys under `ethics:`."""
    return [question.id for question in declared_questions()]


def _other_fields() -> list[str]:
    fields: list[str] = []
    for criterion in load_criteria():
        for name in criterion.also_reads:
            if name not in fields:
                fields.append(name)
    return fields


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, WIDTH - len(indent) - 2)]


def _value(answer: object, indent: str) -> str:
    """A YAML scalar for an answer: booleans bare, text folded when long."""
    if isinstance(answer, bool):
        return "true" if answer else "false"
    text = " ".join(str(answer).split())
    if len(text) <= 60:
        return yaml.safe_dump(text, default_style='"').strip()
    wrapped = textwrap.wrap(text, WIDTH - len(indent) - 2)
    return ">-\n" + "\n".join(f"{indent}  {line}" for line in wrapped)


def template(answers: dict[str, object] | None = None) -> str:
    """The `ethics:` block for submission.yaml, with help text; `answers` fills in known answers.

    Unanswered text questions are empty strings and confirmations are `false`:
    both are insufficient evidence, so an untouched template never qualifies.
    """
    answers = answers or {}
    lines = [
        "# Ethics checklist: answer every question below in your own words, specific to this tool.",
        "# `saferkit ethics check` reads each answer by its criterion id. An empty, very short or",
        "# placeholder answer (TODO, TBD, n/a) counts as missing evidence, and missing evidence",
        "# never passes. Write long answers as folded text (`>-` and the text indented below).",
    ]
    lines.extend(_comment("The gate also reads these submission.yaml fields: " + ", ".join(_other_fields()) + ".", ""))
    lines.append("ethics:")
    indent = "  "
    for question in declared_questions():
        status = "required" if question.required else "optional"
        lines.append("")
        lines.append(f"{indent}# {question.id}: {question.title} ({status})")
        lines.extend(_comment(question.question, indent))
        lines.extend(_comment("Help: " + question.help, indent))
        default: object = False if question.answer == "confirm" else ""
        lines.append(f"{indent}{question.id}: {_value(answers.get(question.id, default), indent)}")
    return "\n".join(lines) + "\n"
