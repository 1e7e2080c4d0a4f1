"""Building a catalogue entry from what the gate accepted, plus the team's optional listing file.

The entry summarises the report and the scorecard (headline metrics with
intervals, worst-group recall, robustness, ethics counts) and copies the model
card; the listing file adds what only the team knows (categories, target
users, deployment details, translations).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from saferkit.core.errors import UserError
from saferkit.core.digest import bytes_sha256
from saferkit.ethics.scorecard_file import Scorecard
from saferkit.evaluation.submission import MODEL_CARD_FIELDS
from saferkit.hub_plugin.chain import Chain, vetting_summary
from saferkit.hub_plugin.gate import PublishInputs
from saferkit.hub_plugin.languages import LANGUAGES, translated_languages
from saferkit.hub_plugin.schema import validate_entry

LISTING_KEYS = {"summary", "description", "categories", "investigative_steps", "target_users", "cost",
                "deployment", "vendor_url", "translations"}
MIN_MEMORY_MB = 256


def load_listing(path: Path | None) -> dict[str, Any]:
    """Read the optional listing YAML; unknown keys are refused so typos do not vanish silently."""
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path} does not exist; pass a listing YAML file or leave --listing out.")
    try:
        listing = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(listing, dict):
        raise UserError(f"{path} must hold a mapping (summary, categories, translations, ...).")
    unknown = sorted(set(listing) - LISTING_KEYS)
    if unknown:
        raise UserError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(LISTING_KEYS))}.")
    bad = sorted(set(listing.get("translations") or {}) - set(LANGUAGES))
    if bad:
        raise UserError(f"{path}: translations for unknown language(s) {', '.join(bad)}; use {', '.join(LANGUAGES)}.")
    return listing


def _text(english: Any, translations: dict[str, Any], *path: str) -> dict[str, str]:
    """A language map: English from the submission or listing, others from `translations`."""
    texts = dict(english) if isinstance(english, dict) else {"en": str(english)}
    for lang, values in translations.items():
        value: Any = values
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value.strip():
            texts[lang] = value
    return {lang: texts[lang] for lang in LANGUAGES if texts.get(lang)}


def _metric(raw: Any) -> dict[str, Any]:
    """A report metric reduced to value and interval; NaN and missing become null with a note."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = {"value": raw}
    if not isinstance(raw, dict):
        return {"value": None, "note": "not reported"}
    metric: dict[str, Any] = {}
    for key in ("value", "ci_low", "ci_high"):
        value = raw.get(key)
        metric[key] = float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None
    if raw.get("note"):
        metric["note"] = str(raw["note"])[:300]
    return metric


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def _calibration(section: dict[str, Any]) -> dict[str, Any]:
    """The calibration metrics only: `bins` is a setting and `reliability` a table, neither a metric."""
    return {name: _metric(value) for name, value in section.items() if name not in ("bins", "reliability")
            and (isinstance(value, dict) or (isinstance(value, (int, float)) and not isinstance(value, bool)))}


def _efficiency(section: dict[str, Any]) -> dict[str, Any]:
    """Measured runtime per execution provider (CPU always, GPU where the evaluation had one)."""
    runs: dict[str, Any] = section["runs"] if isinstance(section.get("runs"), dict) else {}
    if not runs and section.get("provider"):
        runs = {"default": section}
    rows = [{"provider": str(run.get("provider") or name), "latency_ms_batch1": _number(run.get("latency_ms_batch1")),
             "throughput_batch32": _number(run.get("throughput_batch32")),
             "peak_memory_mb": _number(run.get("peak_memory_mb"))}
            for name, run in sorted(runs.items()) if isinstance(run, dict)]
    if not rows:
        return {}
    whole = lambda value: int(value) if isinstance(value, int) and not isinstance(value, bool) else None  # noqa: E731
    found: dict[str, Any] = {"runs": rows, "parameters": whole(section.get("parameters")), "model_bytes": whole(section.get("model_bytes"))}
    machine = section.get("hardware")
    if isinstance(machine, dict) and isinstance(machine.get("cpu"), str):
        found["hardware"] = {"cpu": machine["cpu"][:200], "cores": whole(machine.get("cores")),
                             "memory_gib": _number(machine.get("memory_gib")),
                             "gpu": machine["gpu"][:200] if isinstance(machine.get("gpu"), str) else None}
    return found


def _data(report: dict[str, Any]) -> dict[str, Any]:
    """What the evaluation ran on: test-set size and whether the data was synthetic (the kit's generator)."""
    data = report.get("data") or {}
    splits = data.get("splits") or {}
    size = splits.get("test") if isinstance(splits, dict) else None
    kind = str(data.get("content") or data.get("kind") or "synthetic")
    result: dict[str, Any] = {"size": int(size) if isinstance(size, int) else None,
                              "content": kind if kind in ("synthetic", "field") else "unknown"}
    if data.get("provenance_sha256"):
        result["provenance_sha256"] = data["provenance_sha256"]
    return result


def _input(submission: Any) -> dict[str, Any]:
    """The input specification an agency's technical staff need to feed the model."""
    spec, output = submission.input, submission.output
    result: dict[str, Any] = {"task": submission.task, "width": int(spec["width"]), "height": int(spec["height"]),
                              "resize": str(spec.get("resize", "")), "letterbox": bool(spec.get("letterbox")),
                              "labels": [str(label) for label in output.get("labels", [])],
                              "threshold": _number(submission.threshold)}
    if output.get("positive_label"):
        result["positive_label"] = str(output["positive_label"])
    return result


def _evaluation(report: dict[str, Any], report_sha256: str) -> dict[str, Any]:
    bias = report.get("bias") or {}
    point = report.get("operating_point") or {}
    robustness = report.get("robustness") or {}
    rows = [{"transform": str(row.get("transform")), "severity": int(row.get("severity") or 0),
             "auc_drop": _number(row.get("auc_drop")), "auc_drop_ci_low": _number(row.get("auc_drop_ci_low")),
             "auc_drop_ci_high": _number(row.get("auc_drop_ci_high"))} for row in robustness.get("rows", [])]
    groups = []
    for attribute, block in sorted((bias.get("attributes") or {}).items()):
        for group in block.get("groups", []):
            groups.append({"attribute": str(attribute), "group": str(group.get("group")),
                           "n": int(group.get("n") or 0), "recall": _metric(group.get("recall"))})
    evaluation: dict[str, Any] = {
        "report_sha256": report_sha256,
        "headline": {name: _metric(value) for name, value in (report.get("headline") or {}).items()},
        "calibration": _calibration(report.get("calibration") or {}),
        "worst_group_recall": _metric(bias.get("worst_group_recall")),
        "max_equalized_odds_difference": _metric(bias.get("max_equalized_odds_difference")),
        "groups": groups,
        "robustness": {
            "max_auc_drop": _number(robustness.get("max_auc_drop")),
            "mean_auc_drop": _number(robustness.get("mean_auc_drop")),
            "rows": rows,
        },
        "claims": [{"metric": str(c.get("metric")), "declared": _number(c.get("declared")),
                    "verdict": c.get("verdict")} for c in report.get("claims", [])],
    }
    measured = [row for row in rows if isinstance(row["auc_drop"], float)]
    worst = max(measured, key=lambda row: float(row["auc_drop"] or 0.0), default=None)
    if worst is not None:
        evaluation["robustness"]["worst"] = {"transform": worst["transform"], "severity": worst["severity"],
                                             "auc_drop": worst["auc_drop"], "ci_low": worst["auc_drop_ci_low"],
                                             "ci_high": worst["auc_drop_ci_high"]}
    bins = (report.get("calibration") or {}).get("bins")
    if isinstance(bins, int) and not isinstance(bins, bool) and bins > 0:
        evaluation["calibration_bins"] = bins
    efficiency = _efficiency(report.get("efficiency") or {})
    if efficiency:
        evaluation["efficiency"] = efficiency
    evaluation["data"] = _data(report)
    if "threshold" in point:
        evaluation["operating_point"] = {"threshold": point["threshold"],
                                         **{k: _metric(point.get(k)) for k in ("precision", "recall", "specificity")}}
    provenance = (report.get("data") or {}).get("provenance_sha256")
    if provenance:
        evaluation["data_provenance_sha256"] = provenance
    return evaluation


def _ethics(scorecard: Scorecard) -> dict[str, Any]:
    criteria = []
    for criterion in scorecard.criteria:
        item = {"id": str(criterion.get("id")), "title": {"en": str(criterion.get("title") or criterion.get("id"))},
                "result": criterion.get("result")}
        for key in ("principle", "kind"):
            if criterion.get(key) is not None:
                item[key] = str(criterion[key])
        if isinstance(criterion.get("required"), bool):
            item["required"] = criterion["required"]
        criteria.append(item)
    ethics = {"scorecard_sha256": scorecard.sha256, "qualified": scorecard.qualified,
              "counts": scorecard.counts, "criteria": criteria}
    if scorecard.profile:
        ethics["profile"] = scorecard.profile
    return ethics


def _deployment(report: dict[str, Any], submission: Any, overrides: dict[str, Any]) -> dict[str, Any]:
    efficiency = report.get("efficiency") or {}
    peak = _number(efficiency.get("peak_memory_mb")) or 0.0
    model_mb = len(submission.model_bytes) / (1024 * 1024)
    runtime = (report.get("software") or {}).get("onnxruntime")
    deployment = {
        "on_premise": True, "offline": True, "compute": ["cpu", "gpu"], "needs_network": False,
        "data_leaves_premises": False,
        "min_memory_mb": max(MIN_MEMORY_MB, int(math.ceil(peak + 2 * model_mb))),
        "runtime": f"onnxruntime {runtime}" if runtime else "onnxruntime",
    }
    deployment.update(overrides or {})
    return deployment


def build_entry(inputs: PublishInputs, listing: dict[str, Any] | None = None, chain: Chain | None = None) -> dict[str, Any]:
    """The catalogue entry for a gated submission; raises EntryInvalid naming bad fields.

    With the verified `chain`, the entry carries the evaluator's attestation
    (so readers can check it offline) and the vetting summary its page shows.
    """
    listing = listing or {}
    translations = listing.get("translations") or {}
    submission, manifest = inputs.submission, inputs.submission.manifest
    card = manifest.get("model_card") or {}
    report_sha256 = bytes_sha256(inputs.report_bytes)
    scorecard_sha256 = inputs.scorecard.sha256
    summary_en = listing.get("summary") or card.get("intended_use") or f"{submission.name} ({submission.task})"
    entry: dict[str, Any] = {
        "schema_version": 1,
        "id": submission.name,
        "name": submission.name,
        "version": submission.version,
        "summary": _text(summary_en, translations, "summary"),
        "vendor": {"name": manifest["team"]["name"], "contact": manifest["team"]["contact"]},
        "categories": listing.get("categories") or {"purpose": ["triage"], "technology": ["image-classification"]},
        "investigative_steps": listing.get("investigative_steps") or ["triage"],
        "target_users": listing.get("target_users") or ["investigators", "digital-forensic-examiners"],
        "cost": listing.get("cost") or "free",
        "license": manifest["license"],
        "deployment": _deployment(inputs.report, submission, listing.get("deployment") or {}),
        "input": _input(submission),
        "training_data": [dict(item) for item in manifest.get("training_data", [])],
        "evaluation": _evaluation(inputs.report, report_sha256),
        "ethics": _ethics(inputs.scorecard),
        "model_card": {key: _text(card.get(key, ""), translations, "model_card", key) for key in MODEL_CARD_FIELDS},
        "artifacts": {"submission_sha256": submission.sha256, "model_sha256": submission.model_sha256,
                      "manifest_sha256": bytes_sha256(submission.manifest_bytes),
                      "report_sha256": report_sha256, "scorecard_sha256": scorecard_sha256},
    }
    if inputs.attestation is not None:
        entry["attestation"] = inputs.attestation
    if chain is not None:
        entry["vetting"] = vetting_summary(chain)
    if listing.get("description"):
        entry["description"] = _text(listing["description"], translations, "description")
    if listing.get("vendor_url"):
        entry["vendor"]["url"] = listing["vendor_url"]
    entry["languages"] = translated_languages([entry["summary"]])  # the languages its summary is written in
    validate_entry(entry)
    return entry

