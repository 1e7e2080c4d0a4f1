"""Automatic criteria: decided from the evaluation report alone.

Each measure compares the cautious end of a metric's confidence interval with a
limit from the profile (upper end for gaps and errors, lower end for recall and
AUC). A point estimate that breaks the limit fails; a point estimate inside the
limit whose interval reaches past it is insufficient evidence (a larger test
set is needed), never a pass. A metric the report lacks, or that it marks as
not estimable, is insufficient evidence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from saferkit.ethics.checklist import Criterion
from saferkit.ethics.decision import FAIL, INSUFFICIENT, PASS, Decision, combine
from saferkit.ethics.plan import DEFAULT_SPURIOUS
from saferkit.ethics.profile import Profile

_MISSING = object()
_BOUND_WORDS = {"value": "value", "ci_low": "lower bound", "ci_high": "upper bound"}


def lookup(document: dict[str, Any], path: str, default: Any = _MISSING) -> Any:
    """The value at a dotted path in a report or manifest, or `default` (_MISSING) when absent."""
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def fmt(value: float | None) -> str:
    """A number as quoted on a scorecard: 4 significant figures, large integers whole."""
    if value is None:
        return "n/a"
    if abs(value) >= 1000 and float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.4g}"


def ci_label(report: dict[str, Any]) -> str:
    """'95% CI' when the report states its confidence level, else plain 'CI'."""
    config = report.get("config")
    if not isinstance(config, dict):
        config = {}
    level = _number(config.get("confidence", config.get("ci_level")))
    return f"{level * 100:g}% CI" if level is not None and 0 < level < 1 else "CI"


def quote_metric(path: str, metric: Any, label: str = "CI") -> str:
    """A metric as evidence: `path = value (CI low–high)`, where it was found, and the report's note if any."""
    if isinstance(metric, dict):
        text = f"{path} = {fmt(_number(metric.get('value')))}"
        low, high = _number(metric.get("ci_low")), _number(metric.get("ci_high"))
        if low is not None or high is not None:
            text += f" ({label} {fmt(low)}–{fmt(high)})"
        where = [f"{key} {metric[key]}" for key in ("attribute", "group", "groups", "rate") if isinstance(metric.get(key), str)]
        if where:
            text += f" [{', '.join(where)}]"
        if metric.get("note"):
            text += f" [note: {metric['note']}]"
        return text
    return f"{path} = {fmt(_number(metric))}"


def _invalid_section(report: dict[str, Any], path: str) -> str | None:
    """Why the report marks the part holding `path` invalid, or None.

    An entry such as "variants/test_conflicting" covers the paths under it; an
    entry inside a section ("robustness/jpeg/3") also covers that section's
    summaries ("robustness.max_auc_drop"), which are only as good as every part.
    """
    wanted = path.split(".")
    entries = report.get("sections_invalid")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("section"), str):
            continue
        parts = entry["section"].replace(".", "/").split("/")
        overlap = min(len(parts), len(wanted))
        if parts[:overlap] == wanted[:overlap] or (parts[0] == wanted[0] and len(wanted) == 2):
            return f"{entry['section']}: {entry.get('reason') or 'no reason given'}"
    return None


def _what_to_generate(path: str) -> str:
    """For a metric only some data or options produce: what to run so the next report has it."""
    if path.startswith("variants."):
        split = path.split(".")[1]
        return (
            f": the test data has no {split} split. Evaluate on data with the shortcut variants, e.g. "
            f"`saferkit evaluate plan --make-data eval-data` or `saferkit data synth eval-data --n N "
            f"--splits train=0.05,test=0.95 --spurious {DEFAULT_SPURIOUS}`"
        )
    if path.startswith("robustness."):
        return ": evaluate without --no-robustness"
    if path.startswith("efficiency."):
        return ": evaluate without --no-efficiency"
    return ""


@dataclass(frozen=True)
class _Reading:
    """A usable metric: its point estimate, the cautious bound the rule checks, and the quoted evidence."""

    value: float
    cautious: float
    quoted: str


@dataclass(frozen=True)
class _Unusable:
    """A metric that cannot be decided on: the quoted evidence and why."""

    quoted: str
    reason: str


def _read(report: dict[str, Any], path: str, bound: str) -> _Reading | _Unusable:
    """The metric at `path` with its `bound`, or why it cannot be used."""
    reason = _invalid_section(report, path)
    if reason is not None:
        return _Unusable(f"{path}: marked invalid", f"the report marks part of what {path} rests on invalid ({reason})")
    metric = lookup(report, path)
    if metric is _MISSING:
        return _Unusable(f"{path}: absent", f"the report has no {path}{_what_to_generate(path)}")
    quoted = quote_metric(path, metric, ci_label(report))
    value = _number(metric.get("value")) if isinstance(metric, dict) else _number(metric)
    if value is None:
        note = metric.get("note") if isinstance(metric, dict) else None
        return _Unusable(quoted, f"{path} was not measured" + (f" ({note})" if note else ""))
    if bound == "value":
        return _Reading(value, value, quoted)
    chosen = _number(metric.get(bound)) if isinstance(metric, dict) else None
    if chosen is None:
        return _Unusable(quoted, f"{path} has no confidence interval, so its {_BOUND_WORDS[bound]} cannot be checked")
    return _Reading(value, chosen, quoted)


def _within(number: float, op: str, limit: float) -> bool:
    return number <= limit if op == "<=" else number >= limit


def _responsible(report: dict[str, Any], path: str) -> str:
    """Which attribute and group(s) a failing bias summary comes from, e.g. ' (palette: c vs a, on fpr)'."""
    metric = lookup(report, path, None)
    if not isinstance(metric, dict) or not isinstance(metric.get("attribute"), str):
        return ""
    who = metric.get("groups") or metric.get("group")
    rate = f", on {metric['rate']}" if isinstance(metric.get("rate"), str) else ""
    return f" ({metric['attribute']}{': ' + who if isinstance(who, str) else ''}{rate})"


def decide_measure(measure: dict[str, Any], report: dict[str, Any], profile: Profile) -> Decision:
    """One comparison of a report metric (or a difference of two) against a profile limit."""
    limit = profile.limits[measure["limit"]]
    op, bound, path = measure["op"], measure["bound"], measure["metric"]
    grouped = profile.metric_path(path)
    informative = ""
    if grouped != path and lookup(report, grouped) is not _MISSING:
        wider = lookup(report, path)
        if isinstance(wider, dict) and wider.get("attribute") and "x" in str(wider["attribute"]).split():
            informative = f"; attributes and pairs (informative, not judged): {quote_metric(path, wider, ci_label(report))}"
        path = grouped  # a report without bias.by_attribute is judged on the wider grouping: never more lenient
    reading = _read(report, path, bound)
    if isinstance(reading, _Reading) and measure.get("minus"):
        other = _read(report, measure["minus"], "value")
        quoted = f"{reading.quoted} minus {other.quoted}"
        if isinstance(other, _Unusable):
            reading = _Unusable(quoted, other.reason)
        else:
            difference = reading.value - other.value
            path = f"{path} − {measure['minus']}"
            if measure.get("absolute"):
                difference = abs(difference)
                path = f"|{path}|"
            quoted += f"; {'gap' if measure.get('absolute') else 'difference'} = {fmt(difference)}"
            reading = _Reading(difference, difference, quoted)
    rule = f"{_BOUND_WORDS[bound]} {op} {fmt(limit)} ({measure['limit']})"
    evidence = f"{reading.quoted}; rule: {rule}{informative}"
    if isinstance(reading, _Unusable):
        return Decision(INSUFFICIENT, evidence, reading.reason)
    value, cautious = reading.value, reading.cautious
    if _within(cautious, op, limit):
        side = "at or below" if op == "<=" else "at or above"
        return Decision(PASS, evidence, f"{path}: {_BOUND_WORDS[bound]} {fmt(cautious)} is {side} the limit {fmt(limit)}")
    side = "above" if op == "<=" else "below"
    if bound != "value" and _within(value, op, limit):
        return Decision(
            INSUFFICIENT,
            evidence,
            f"{path}: the estimate {fmt(value)} is within the limit but the {_BOUND_WORDS[bound]} {fmt(cautious)} is "
            f"{side} {fmt(limit)}; the interval is too wide to show the limit is met (evaluate on a larger test set)",
        )
    return Decision(FAIL, evidence, f"{path}: {_BOUND_WORDS[bound]} {fmt(cautious)} is {side} the limit {fmt(limit)}{_responsible(report, path)}")


def decide_claims(report: dict[str, Any], profile: Profile) -> Decision:
    """Every metric the team claimed must be confirmed by what the harness measured."""
    reason = _invalid_section(report, "claims")
    if reason is not None:
        return Decision(INSUFFICIENT, "claims: marked invalid", f"the report marks the claims invalid ({reason})")
    claims = lookup(report, "claims")
    if claims is _MISSING or not isinstance(claims, list):
        return Decision(INSUFFICIENT, "claims: absent", "the report has no claims section")
    if not claims:
        if profile.require_claims:
            return Decision(INSUFFICIENT, "no claims declared", "the team declared no metrics, and this round requires claims to check")
        return Decision(PASS, "no claims declared", "the team declared no metrics, so none can be misstated")
    parts, decisions = [], []
    for claim in claims:
        if not isinstance(claim, dict):
            parts.append(repr(claim))
            decisions.append(Decision(INSUFFICIENT, repr(claim), "a claims entry is not an object"))
            continue
        metric = str(claim.get("metric", "?"))
        verdict = claim.get("verdict")
        measured = quote_metric("", claim.get("measured"), ci_label(report)).lstrip(" =")
        quoted = f"{metric}: declared {fmt(_number(claim.get('declared')))}, measured {measured} -> {verdict}"
        parts.append(quoted)
        if verdict == "confirmed":
            decisions.append(Decision(PASS, quoted, f"{metric} confirmed"))
        elif verdict == "not-confirmed":
            direction = f" (the claim lies {claim['direction']} the interval)" if isinstance(claim.get("direction"), str) else ""
            decisions.append(Decision(FAIL, quoted, f"the claimed {metric} was not confirmed by measurement{direction}"))
        else:
            reason = f": {claim['why']}" if isinstance(claim.get("why"), str) else ""
            decisions.append(Decision(INSUFFICIENT, quoted, f"the claimed {metric} could not be measured{reason}"))
    combined = combine(decisions)
    why = combined.why if combined.result != PASS else f"all {len(claims)} claimed metric(s) confirmed"
    return Decision(combined.result, "; ".join(parts), why)


def decide_audit_trail(report: dict[str, Any], submission_sha256: str) -> Decision:
    """The report must say what it judged, on which data, with which seed and software."""
    provenance = lookup(report, "data.provenance_sha256")
    seed = lookup(report, "config.seed")
    software = lookup(report, "software")
    judged = lookup(report, "submission.sha256")
    problems = []
    if not (isinstance(provenance, str) and re.fullmatch(r"[0-9a-f]{64}", provenance)):
        problems.append("no test-data provenance sha256")
    if not isinstance(seed, int) or isinstance(seed, bool):
        problems.append("no random seed")
    if not (isinstance(software, dict) and software):
        problems.append("no software versions")
    if judged != submission_sha256:
        problems.append("no matching submission sha256")
    evidence = (
        f"submission.sha256 = {str(judged)[:16]}…, data.provenance_sha256 = "
        f"{str(provenance)[:16] if provenance is not _MISSING else 'absent'}…, config.seed = "
        f"{seed if seed is not _MISSING else 'absent'}, software = "
        + (", ".join(f"{k} {v}" for k, v in list(software.items())[:4]) if isinstance(software, dict) and software else "absent")
    )
    if problems:
        return Decision(INSUFFICIENT, evidence, "the report lacks " + ", ".join(problems))
    return Decision(PASS, evidence, "the report names the submission, test data, seed and software it used")


def _row_label(row: dict[str, Any]) -> str:
    return f"{row.get('transform')} severity {row.get('severity')} (AUC drop {fmt(_number(row.get('auc_drop')))})"


def decide_robustness(report: dict[str, Any], profile: Profile, limit_name: str) -> Decision:
    """The largest AUC drop over the rows the profile judges (its robustness bands); the rest are informative.

    The decision names the transform and severity responsible, and the worst informative row, so a
    team sees what to fix and what was only reported.
    """
    limit = profile.limits[limit_name]
    reason = _invalid_section(report, "robustness.max_auc_drop")
    if reason is not None:
        return Decision(INSUFFICIENT, "robustness: marked invalid", f"the report marks part of the robustness section invalid ({reason})")
    rows = lookup(report, "robustness.rows", [])
    rows = [r for r in rows if isinstance(r, dict) and r.get("valid") is True and _number(r.get("auc_drop")) is not None] if isinstance(rows, list) else []
    if not rows:  # no per-row results to band: the summary over every row is the cautious reading
        summary = {"metric": "robustness.max_auc_drop", "bound": "value", "op": "<=", "limit": limit_name}
        return decide_measure(summary, report, profile)
    judged = [r for r in rows if profile.judges_transform(str(r.get("transform")), int(r.get("severity") or 0))]
    informative = [r for r in rows if r not in judged]
    bands = profile.robustness_bands
    scope = "every transform and severity" if bands is None else "judged: " + ", ".join(f"{t} <= {s}" for t, s in bands.items())
    rule = f"largest judged AUC drop <= {fmt(limit)} ({limit_name}; {scope})"
    if bands is not None:
        measured = {str(r.get("transform")) for r in judged}
        missing = [t for t in bands if t not in measured]
        if missing:
            return Decision(
                INSUFFICIENT, f"robustness: no judged rows for {', '.join(missing)}; rule: {rule}",
                f"the report has no rows for {', '.join(missing)} at a judged severity; evaluate with those transforms and "
                "--severities 1,3,5 (the default)",
            )
    worst = max(judged, key=lambda r: float(r["auc_drop"]))
    evidence = f"worst judged: {_row_label(worst)}"
    if informative:
        evidence += f"; worst informative (not judged): {_row_label(max(informative, key=lambda r: float(r['auc_drop'])))}"
    evidence += f"; rule: {rule}"
    drop = float(worst["auc_drop"])
    if drop <= limit:
        return Decision(PASS, evidence, f"the largest judged AUC drop, {fmt(drop)} under {worst['transform']} severity {worst['severity']}, is within {fmt(limit)}")
    return Decision(FAIL, evidence, f"ROC AUC drops by {fmt(drop)} under {worst['transform']} severity {worst['severity']}, above the limit {fmt(limit)}")


def decide_automatic(criterion: Criterion, report: dict[str, Any], profile: Profile, submission_sha256: str) -> Decision:
    """Decide an automatic criterion: every measure must pass."""
    decisions = []
    for measure in criterion.measures:
        check = measure.get("check")
        if check == "claims":
            decisions.append(decide_claims(report, profile))
        elif check == "audit_trail":
            decisions.append(decide_audit_trail(report, submission_sha256))
        elif check == "robustness_bands":
            decisions.append(decide_robustness(report, profile, measure["limit"]))
        else:
            decisions.append(decide_measure(measure, report, profile))
    return combine(decisions)
