"""Evaluation profiles: the limits one evaluation round judges automatic criteria against.

A round can tighten or relax limits without touching code or criteria: copy
`profiles/default.yaml`, edit it, and pass it with `--profile`. Every limit a
criterion names must be present, so a typo cannot silently drop a check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from saferkit.core.schemas import packaged_schema, schema_violations
from saferkit.core.errors import UserError
from saferkit.datasets.transforms import TRANSFORMS
from saferkit.ethics.checklist import Criterion, load_criteria

DEFAULT_PROFILE = "default.yaml"
DEMO_PROFILE = "demo.yaml"  # `saferkit demo` and test catalogues only: measured performance reported, not required
SINGLE_ATTRIBUTES, ALL_GROUPS = "attributes", "attributes-and-pairs"


@dataclass(frozen=True)
class Profile:
    """Limits and answer rules for one round; `source` says where it was read from."""

    name: str
    limits: dict[str, float]
    min_chars: int
    min_words: int
    require_claims: bool
    free_licences: tuple[str, ...]
    required_overrides: dict[str, bool]
    source: str
    robustness_bands: dict[str, int] | None = None  # transform -> highest judged severity; None: every row
    fairness_grouping: str = ALL_GROUPS  # "attributes": bias limits judge single attributes only

    def metric_path(self, path: str) -> str:
        """Where the report holds `path` under this profile's grouping (bias summaries move to bias.by_attribute)."""
        if self.fairness_grouping == SINGLE_ATTRIBUTES and path.startswith("bias.") and path.count(".") == 1:
            return "bias.by_attribute." + path.split(".", 1)[1]
        return path

    def judges_transform(self, transform: str, severity: int) -> bool:
        """Whether harm.robustness judges this robustness row (the others are informative)."""
        bands = self.robustness_bands
        return bands is None or severity <= bands.get(transform, 0)

    def is_required(self, criterion: Criterion) -> bool:
        """Whether the criterion must pass in this round (the criterion's flag unless overridden)."""
        return self.required_overrides.get(criterion.id, criterion.required)


@lru_cache(maxsize=1)
def profile_schema() -> dict[str, Any]:
    """The JSON Schema a profile file follows."""
    return packaged_schema("saferkit.ethics", "profile.schema.json")


def packaged_profile_text(file_name: str) -> str:
    """A profile shipped with the kit (`DEFAULT_PROFILE`, `DEMO_PROFILE`), as YAML with its comments."""
    return resources.files("saferkit.ethics").joinpath("profiles", file_name).read_text(encoding="utf-8")


def default_profile_text() -> str:
    """The packaged default profile, as YAML with its comments (to copy and edit)."""
    return packaged_profile_text(DEFAULT_PROFILE)


def parse_profile(text: str, source: str, criteria: tuple[Criterion, ...] | None = None) -> Profile:
    """Validate a profile's YAML text against the schema and against the criteria it must serve."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UserError(f"profile {source} is not valid YAML: {str(exc).splitlines()[0]}; fix the file.") from None
    problems = [f"{where}: {message}" for where, message in schema_violations(document, profile_schema())]
    if not problems:
        criteria = criteria if criteria is not None else load_criteria()
        known = {criterion.id for criterion in criteria}
        needed = sorted(
            {m["limit"] for c in criteria for m in c.measures if "limit" in m} - set(document["limits"])
        )
        problems += [f"limits: no value for '{name}', which a criterion compares against" for name in needed]
        problems += [
            f"robustness_bands: '{name}' is not a robustness transform ({', '.join(TRANSFORMS)})"
            for name in document.get("robustness_bands") or {}
            if name not in TRANSFORMS
        ]
        problems += [
            f"required_overrides: '{cid}' is not a criterion id"
            for cid in document.get("required_overrides", {})
            if cid not in known
        ]
    if problems:
        raise UserError(f"profile {source} is not valid: {'; '.join(problems)}. Start from `saferkit ethics profile`.")
    return Profile(
        name=document["name"],
        limits={key: float(value) for key, value in document["limits"].items()},
        min_chars=document["answers"]["min_chars"],
        min_words=document["answers"]["min_words"],
        require_claims=document["require_claims"],
        free_licences=tuple(document["free_licences"]),
        required_overrides=dict(document.get("required_overrides") or {}),
        source=source,
        robustness_bands=dict(document["robustness_bands"]) if "robustness_bands" in document else None,
        fairness_grouping=document.get("fairness_grouping", ALL_GROUPS),
    )


def load_profile(path: str | Path | None = None) -> Profile:
    """The profile at `path`, or the packaged default profile when `path` is None."""
    if path is None:
        return parse_profile(default_profile_text(), f"(built-in) {DEFAULT_PROFILE}")
    path = Path(path)
    if not path.is_file():
        raise UserError(f"profile {path} does not exist; pass a profile YAML file or leave --profile out for the default.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError(f"profile {path} is not UTF-8 text; save it as YAML.") from None
    return parse_profile(text, str(path))
