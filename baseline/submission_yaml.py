"""submission.yaml for an exported run: measured fields from the run, team fields from a template.

Export owns what it measured or knows for certain (task, input, output,
operating point, claims, training data). A team's own `submission.yaml`
template (`--manifest`) supplies what only the team can say (name, version,
team, licence, model card, ethics answers); without one, the baseline's own
values are used. The evaluation package's JSON Schema is the judge of the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from saferkit import __version__
from saferkit.baseline.card import CardFacts, ethics_answers, model_card
from saferkit.baseline.operating_point import CHOSEN_FOR
from saferkit.baseline.runs import FinishedRun
from saferkit.core.errors import UserError

BASELINE_NAME = "saferkit-baseline"
BASELINE_TEAM = "saferkit maintainers (reference baseline)"
BASELINE_CONTACT = "https://github.com/saferkit/saferkit/issues"
BASELINE_LICENSE = "Apache-2.0"
TEAM_FIELDS = ("name", "version", "team", "license", "model_card", "ethics")
HEADER = (
    "# submission.yaml written by `saferkit baseline export`.\n"
    "# Measured on the val split: operating_point, claims. From the run: input, output, training_data.\n"
    "# Schema: `saferkit submission schema`; check with `saferkit submission check`.\n"
)


def read_template(path: str | Path) -> dict[str, Any]:
    """A team's submission.yaml template as a mapping (comments are not kept)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"--manifest {path} does not exist; pass your team's submission.yaml template.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UserError(f"--manifest {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise UserError(f"--manifest {path} must be a YAML mapping of submission fields.")
    return data


def build_manifest(
    run: FinishedRun,
    facts: CardFacts,
    threshold: float,
    claims: dict[str, float],
    template: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The full manifest; `template` overrides the baseline's team fields where it sets them."""
    data = run.data
    manifest: dict[str, Any] = {
        "schema_version": 1,
        "name": BASELINE_NAME,
        "version": __version__,
        "team": {"name": BASELINE_TEAM, "contact": facts.contact},
        "license": BASELINE_LICENSE,
        "task": f"{run.record['task']}-triage",
        "input": dict(run.record["input"]),
        "output": {**run.record["output"], "labels": run.labels},
        "operating_point": {"threshold": float(threshold), "chosen_for": CHOSEN_FOR},
        "claims": claims,
        "training_data": [
            {
                "name": data["name"],
                "content": data["content"],
                "license": str(data.get("license") or "unknown"),
                "provenance_sha256": data["provenance_sha256"],
            }
        ],
        "model_card": model_card(facts),
        "ethics": ethics_answers(facts, data["provenance_sha256"]),
    }
    if run.record.get("positive_label"):
        manifest["output"]["positive_label"] = run.record["positive_label"]
    for field in TEAM_FIELDS:
        if template and field in template and template[field] is not None:
            manifest[field] = template[field]
    return manifest


def dump_manifest(manifest: dict[str, Any]) -> str:
    """YAML text with a short header saying where each part came from."""
    return HEADER + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)
