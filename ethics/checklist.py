"""The ethics criteria, read from the YAML files in `ethics/criteria/`.

Criteria are data so that an evaluation round can read, discuss and version
them without reading code. Every file is checked against
`schemas/criteria.schema.json` when loaded, and ids must be unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from saferkit.core.schemas import packaged_schema, schema_violations
from saferkit.core.errors import UserError

KINDS = ("automatic", "declared", "reviewer")
PRINCIPLES = (
    "lawfulness",
    "minimisation-of-harm",
    "human-autonomy",
    "fairness",
    "good-governance",
    "impartiality",
    "no-promotion-of-unethical-tools",
    "cybersecurity",
)
# How each source framework is named to readers.
FRAMEWORK_NAMES = {
    "interpol-unicri-toolkit": "INTERPOL/UNICRI AI Toolkit",
    "eu-ai-act": "EU AI Act",
    "hub": "AI for Safer Children hub",
}
# Files listed first, in this order, on the scorecard; any other *.yaml follows by name.
CRITERIA_ORDER = ("lawfulness", "harm", "autonomy", "fairness", "governance", "data", "hub")


@dataclass(frozen=True)
class Criterion:
    """One criterion: what it asks, what serves as evidence, and how it is decided."""

    id: str
    title: str
    principle: str
    sources: tuple[dict[str, str], ...]
    kind: str
    required: bool
    evidence: str
    sub_principle: str | None = None
    question: str | None = None
    help: str | None = None
    answer: str | None = None
    also_reads: tuple[str, ...] = ()
    measures: tuple[dict[str, Any], ...] = field(default=())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Criterion":
        return cls(
            id=data["id"],
            title=data["title"],
            principle=data["principle"],
            sources=tuple(dict(source) for source in data["sources"]),
            kind=data["kind"],
            required=bool(data["required"]),
            evidence=" ".join(data["evidence"].split()),
            sub_principle=data.get("sub_principle"),
            question=_squash(data.get("question")),
            help=_squash(data.get("help")),
            answer=data.get("answer"),
            also_reads=tuple(data.get("also_reads", ())),
            measures=tuple(dict(measure) for measure in data.get("measures", ())),
        )

    @property
    def source_labels(self) -> list[str]:
        """Sources as readers see them, e.g. 'EU AI Act: Art. 14 Human oversight'."""
        return [f"{FRAMEWORK_NAMES[s['framework']]}: {s['ref']}" for s in self.sources]

    @property
    def asks_team(self) -> bool:
        """True when the team must answer this criterion under `ethics:` in submission.yaml."""
        return self.kind == "declared" and self.question is not None


def _squash(text: str | None) -> str | None:
    return " ".join(text.split()) if text else text


@lru_cache(maxsize=1)
def criteria_schema() -> dict[str, Any]:
    """The JSON Schema every criteria file follows."""
    return packaged_schema("saferkit.ethics", "criteria.schema.json")


def criteria_problems(document: Any, source: str) -> list[str]:
    """Schema violations in one parsed criteria file, each naming where it is."""
    return [f"{source}: {where}: {message}" for where, message in schema_violations(document, criteria_schema())]


def parse_criteria(texts: dict[str, str]) -> tuple[Criterion, ...]:
    """Parse and validate criteria files given as {source name: YAML text}; ids must be unique."""
    criteria: list[Criterion] = []
    problems: list[str] = []
    for source, text in texts.items():
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            problems.append(f"{source}: not valid YAML: {str(exc).splitlines()[0]}")
            continue
        found = criteria_problems(document, source)
        if found:
            problems.extend(found)
            continue
        criteria.extend(Criterion.from_dict(item) for item in document["criteria"])
    seen: set[str] = set()
    for criterion in criteria:
        if criterion.id in seen:
            problems.append(f"criterion id {criterion.id!r} appears more than once")
        seen.add(criterion.id)
    if problems:
        raise UserError("the ethics criteria are not valid: " + "; ".join(problems) + ".")
    return tuple(criteria)


@lru_cache(maxsize=1)
def load_criteria() -> tuple[Criterion, ...]:
    """All packaged criteria, in scorecard order."""
    folder = resources.files("saferkit.ethics").joinpath("criteria")
    names = sorted(
        (entry.name for entry in folder.iterdir() if entry.name.endswith(".yaml")),
        key=lambda name: (CRITERIA_ORDER.index(name[:-5]) if name[:-5] in CRITERIA_ORDER else len(CRITERIA_ORDER), name),
    )
    return parse_criteria({f"criteria/{name}": folder.joinpath(name).read_text(encoding="utf-8") for name in names})


def criteria_by_id() -> dict[str, Criterion]:
    """The packaged criteria keyed by id."""
    return {criterion.id: criterion for criterion in load_criteria()}
