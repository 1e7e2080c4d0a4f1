"""round.yaml: read, validate (JSON Schema, then the rules a schema cannot say), and the public spec teams may know.

The public spec is the round file without the final phase's secret seed and
held-out generator settings; it names what kind of shift to expect (the
organiser's words and the generator attributes whose mix differs), never the
values. Anyone can make the development data from it; only the organiser's
file can make the final data.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from saferkit.core.errors import UserError
from saferkit.core.schemas import packaged_schema, schema_violations

ROUND_FILE = "round.yaml"
PHASES = ("development", "final")
SECRET_KEYS = ("seed", "held_out")
MAX_ROUND_BYTES = 1024 * 1024


@lru_cache(maxsize=1)
def round_schema() -> dict[str, Any]:
    """The JSON Schema round.yaml follows (rounds/schemas/round.schema.json)."""
    return packaged_schema("saferkit.rounds", "round.schema.json")


@dataclass(frozen=True)
class Round:
    """A parsed, validated round; `secret` is False for a public spec (no final seed or held-out settings)."""

    data: dict[str, Any]
    source: str

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def metric(self) -> str:
        return str(self.data["ranking"]["metric"])

    @property
    def resamples(self) -> int:
        return int(self.data["ranking"].get("resamples", 1000))

    @property
    def per_day(self) -> int:
        return int(self.data["limits"]["per_day"])

    @property
    def total(self) -> int:
        return int(self.data["limits"]["total"])

    @property
    def secret(self) -> bool:
        return "seed" in self.phase("final")["data"]

    def phase(self, name: str) -> dict[str, Any]:
        if name not in PHASES:
            raise UserError(f"unknown phase {name!r}; a round has the phases {', '.join(PHASES)}.")
        return self.data["phases"][name]

    def dates(self, name: str) -> tuple[dt.date, dt.date]:
        phase = self.phase(name)
        return dt.date.fromisoformat(phase["opens"]), dt.date.fromisoformat(phase["closes"])

    def open_phase(self, today: dt.date) -> str | None:
        """The phase taking submissions on `today`, or None between or outside phases."""
        for name in PHASES:
            opens, closes = self.dates(name)
            if opens <= today <= closes:
                return name
        return None

    def board_is_public(self, name: str) -> bool:
        return self.phase(name)["board"] == "public"


def _rule_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    dev, final = data["phases"]["development"], data["phases"]["final"]
    for name, phase in (("development", dev), ("final", final)):
        try:
            opens, closes = dt.date.fromisoformat(phase["opens"]), dt.date.fromisoformat(phase["closes"])
        except ValueError as exc:
            problems.append(f"phases.{name}: {exc}")
            continue
        if closes < opens:
            problems.append(f"phases.{name}: closes {phase['closes']} before it opens {phase['opens']}")
    if not problems and dt.date.fromisoformat(final["opens"]) <= dt.date.fromisoformat(dev["closes"]):
        problems.append("phases.final opens before the development phase closes; let the final phase open after it")
    if "seed" not in dev["data"]:
        problems.append("phases.development.data.seed: the development data is public; give its seed so teams can make it")
    if "held_out" in dev["data"]:
        problems.append("phases.development.data.held_out: only the final phase has held-out settings")
    if data["limits"]["per_day"] > data["limits"]["total"]:
        problems.append("limits.per_day is larger than limits.total")
    if "seed" in final["data"]:  # the organiser's file: the held-out settings must hold values the development data never has
        held = (final["data"].get("held_out") or {}).get("shares") or {}
        if not held:
            problems.append("phases.final.data.held_out.shares: name the attribute values the development data never contains")
        dev_shares = dev["data"].get("shares") or {}
        for attribute, mix in held.items():
            unseen = [v for v, share in mix.items() if share > 0 and (dev_shares.get(attribute) or {}).get(v, 0.0 if attribute in dev_shares else 1.0) == 0]
            if not unseen:
                problems.append(f"phases.final.data.held_out.shares.{attribute}: every value it draws also appears in the development "
                                f"data; give phases.development.data.shares.{attribute} a share of 0 for the held-out values")
        if final["data"]["seed"] == dev["data"].get("seed"):
            problems.append("phases.final.data.seed equals the development seed; choose a secret seed")
    return problems


def parse_round(data: Any, source: str) -> Round:
    """Validate a parsed round document; UserError lists every problem by where it is."""
    problems = [f"{where}: {message}" for where, message in schema_violations(data, round_schema())]
    if not problems:
        problems = _rule_problems(data)
    if problems:
        raise UserError(f"{source} is not a valid round: " + "; ".join(problems[:8]) + ". See `saferkit round init` for a commented example.")
    return Round(data, source)


def read_round(path: str | Path) -> Round:
    """Read round.yaml (or the folder holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / ROUND_FILE
    if not path.is_file():
        raise UserError(f"{path} does not exist; write one with `saferkit round init`.")
    if path.stat().st_size > MAX_ROUND_BYTES:
        raise UserError(f"{path} is larger than {MAX_ROUND_BYTES} bytes; it cannot be a round file.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not readable YAML ({exc.__class__.__name__}); fix it or write a new one with `saferkit round init`.") from None
    return parse_round(_dates_as_text(data), str(path))


def _dates_as_text(data: Any) -> Any:
    """YAML reads an unquoted 2027-01-10 as a date; the schema wants the ISO text."""
    if isinstance(data, dict):
        return {k: _dates_as_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates_as_text(v) for v in data]
    return data.isoformat() if isinstance(data, dt.date) else data


def shifted_attributes(round_: Round) -> list[str]:
    """Generator attributes whose value mix differs in the final data (names only)."""
    held = (round_.phase("final")["data"].get("held_out") or {}).get("shares") or {}
    return sorted(held)


def public_spec(round_: Round) -> dict[str, Any]:
    """What teams may know: the round without the final seed and held-out settings, with the kind of shift named."""
    spec = copy.deepcopy(round_.data)
    final = spec["phases"]["final"]
    attributes = shifted_attributes(round_) if round_.secret else final.get("shift_attributes", [])
    for key in SECRET_KEYS:
        final["data"].pop(key, None)
    final["shift"] = final.get("shift") or "the final data is drawn with settings the development data never contains"
    final["shift_attributes"] = attributes
    spec["baselines"] = [{"name": b["name"], "submission": "(held by the organiser)"} for b in spec.get("baselines", [])]
    return spec


def spec_text(round_: Round) -> str:
    """The public spec as YAML, with a header that says what it is."""
    spec = public_spec(round_)
    header = (f"# Public spec of round {round_.name}: what every team may know.\n"
              "# The final phase's seed and held-out generator settings are the organiser's; the final data differs from the\n"
              f"# development data in: {', '.join(spec['phases']['final']['shift_attributes']) or 'settings not named'}"
              " (the kind of shift, not its values).\n")
    return header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
