"""Field evidence: an agency's evaluation of a listed tool on its own data, reduced to aggregates and signed.

`saferkit evaluate --private --sign-key agency.pem` writes `field-report.json`
beside the report. It is built by an allow-list from the report (never by
removing what looks sensitive): headline metrics and the operating point as
value and interval, the test-set size, and per-group recall only for groups of
at least `min_group_size` items (smaller groups are counted, not shown). No
file name, path, per-item score or image can be in it, and the schema below,
which the hub checks again on upload, refuses any document that holds more.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from saferkit.core.atomic import write_bytes_atomic
from saferkit.core.errors import UserError
from saferkit.core.signature import sign_statement, utc_now, verify_statement

FIELD_REPORT_FILE = "field-report.json"
KIND = "saferkit-field-report"
MIN_GROUP_SIZE = 30           # the smallest group whose recall may be shown
SUPPRESSION_FLOOR = 10        # no document may show a group smaller than this, whatever its setting
MAX_GROUPS = 100
HEADLINE = ("roc_auc", "pr_auc", "fpr_at_recall_0.95", "recall_at_fpr_0.01", "wss_at_recall_0.95")
NAME = r"^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$"  # group and attribute names: no path separators, short

_METRIC = {"type": "object", "additionalProperties": False, "required": ["value"],
           "properties": {k: {"type": ["number", "null"], "minimum": -1, "maximum": 1} for k in ("value", "ci_low", "ci_high")}}
SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["kind", "schema_version", "tool", "created_at", "data", "metrics", "groups", "suppressed_groups",
                 "min_group_size"],
    "properties": {
        "kind": {"const": KIND}, "schema_version": {"const": 1},
        "tool": {"type": "object", "additionalProperties": False, "required": ["name", "version", "sha256"],
                 "properties": {"name": {"type": "string", "pattern": NAME}, "version": {"type": "string", "pattern": NAME},
                                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}},
        "created_at": {"type": "string", "maxLength": 40},
        "data": {"type": "object", "additionalProperties": False, "required": ["size", "positives", "content"],
                 "properties": {"size": {"type": "integer", "minimum": 0}, "positives": {"type": ["integer", "null"], "minimum": 0},
                                "content": {"const": "field"}}},
        "min_group_size": {"type": "integer", "minimum": SUPPRESSION_FLOOR},
        "metrics": {"type": "object", "additionalProperties": False,
                    "properties": {name: _METRIC for name in (*HEADLINE, "recall", "precision", "specificity")}},
        "threshold": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        "groups": {"type": "array", "maxItems": MAX_GROUPS, "items": {
            "type": "object", "additionalProperties": False, "required": ["attribute", "group", "n", "recall"],
            "properties": {"attribute": {"type": "string", "pattern": NAME}, "group": {"type": "string", "pattern": NAME},
                           "n": {"type": "integer", "minimum": SUPPRESSION_FLOOR}, "recall": _METRIC}}},
        "suppressed_groups": {"type": "integer", "minimum": 0},
    },
}


class NotAggregateOnly(UserError):
    """A field report that holds more than aggregates (or is malformed)."""


def _metric(raw: Any) -> dict[str, float | None] | None:
    if not isinstance(raw, dict):
        return None
    out: dict[str, float | None] = {}
    for key in ("value", "ci_low", "ci_high"):
        value = raw.get(key)
        out[key] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else None
    return out


def _name(value: Any) -> str | None:
    text = str(value)
    return text if re.match(NAME, text) else None


def build_field_report(report: dict[str, Any], min_group_size: int = MIN_GROUP_SIZE) -> dict[str, Any]:
    """The aggregate-only statement for a report.json: nothing per item, small groups suppressed."""
    if min_group_size < SUPPRESSION_FLOOR:
        raise UserError(f"--min-group-size {min_group_size} is too small for field evidence; use {SUPPRESSION_FLOOR} or more.")
    submission = report.get("submission") or {}
    headline = report.get("headline") or {}
    point = report.get("operating_point") or {}
    metrics = {name: m for name in HEADLINE if (m := _metric(headline.get(name))) is not None}
    metrics |= {name: m for name in ("recall", "precision", "specificity") if (m := _metric(point.get(name))) is not None}
    groups: list[dict[str, Any]] = []
    suppressed = 0
    for attribute, block in sorted(((report.get("bias") or {}).get("attributes") or {}).items()):
        for group in (block or {}).get("groups", []):
            n = group.get("n")
            names = _name(attribute), _name(group.get("group"))
            recall = _metric(group.get("recall"))
            if not isinstance(n, int) or n < min_group_size or None in names or recall is None or len(groups) >= MAX_GROUPS:
                suppressed += 1
                continue
            groups.append({"attribute": names[0], "group": names[1], "n": n, "recall": recall})
    splits = (report.get("data") or {}).get("splits") or {}
    positives = point.get("tp", 0) + point.get("fn", 0) if isinstance(point.get("tp"), int) and isinstance(point.get("fn"), int) else None
    statement = {
        "kind": KIND, "schema_version": 1, "created_at": utc_now(),
        "tool": {"name": str(submission.get("name")), "version": str(submission.get("version")),
                 "sha256": str(submission.get("sha256"))},
        "data": {"size": int(splits.get("test") or 0), "positives": positives, "content": "field"},
        "min_group_size": min_group_size, "metrics": metrics, "groups": groups, "suppressed_groups": suppressed,
    }
    threshold = point.get("threshold")
    if isinstance(threshold, (int, float)) and not isinstance(threshold, bool):
        statement["threshold"] = float(threshold)
    check_aggregate_only(statement)
    return statement


def check_aggregate_only(statement: Any) -> dict[str, Any]:
    """Refuse anything but the aggregate-only shape (extra fields, lists of scores, paths, small groups)."""
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(statement), key=lambda e: list(e.absolute_path))
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "the report"
        raise NotAggregateOnly(f"the field report is not aggregate-only: {where}: {errors[0].message[:200]}")
    if statement["data"]["size"] and statement["min_group_size"] > 0:
        for group in statement["groups"]:
            if group["n"] < statement["min_group_size"]:
                raise NotAggregateOnly(f"group {group['attribute']}={group['group']} is below the report's own "
                                       f"min_group_size ({group['n']} < {statement['min_group_size']}).")
    return statement


def sign_field_report(statement: dict[str, Any], private_key: Path) -> dict[str, Any]:
    return sign_statement(check_aggregate_only(statement), private_key)


def verify_field_report(document: Any) -> dict[str, Any]:
    """The statement of a signed field report, checked to be aggregate-only; UserError otherwise."""
    return check_aggregate_only(verify_statement(document, "the field report"))


def write_field_report(report_folder: Path, private_key: Path, min_group_size: int = MIN_GROUP_SIZE) -> Path:
    """Read `report_folder/report.json`, write the signed `field-report.json` beside it."""
    from saferkit.evaluation.report import REPORT_FILE

    report = json.loads((Path(report_folder) / REPORT_FILE).read_text(encoding="utf-8"))
    document = sign_field_report(build_field_report(report, min_group_size), private_key)
    path = Path(report_folder) / FIELD_REPORT_FILE
    write_bytes_atomic(path, (json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return path
