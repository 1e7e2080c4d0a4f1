"""Test data for the ethics gate: answers, submissions and reports made to the contract.

Reports follow docs/CONTRACTS.md (report.json); numbers are chosen per test so
each decision can be asserted exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


# One realistic answer per declared question (what a careful team would write).
ANSWERS: dict[str, Any] = {
    "lawfulness.legitimacy": "It ranks seized media so trained analysts review likely exploitation material first, "
    "inside a criminal investigation run under a warrant or equivalent legal authority.",
    "lawfulness.necessity": "Seizures hold millions of files; exact hash lists miss new material and manual review "
    "of everything takes months, so ranking shortens the time to safeguard a child.",
    "lawfulness.proportionality": "Images are decoded in memory only; the tool keeps a score and perceptual hashes "
    "per file plus an audit line, never the image, and is not for use outside a case.",
    "harm.wellbeing": "Analysts see the highest scores first with blurred greyscale previews, so fewer items are "
    "viewed in full; a scan of 100k files takes about an hour on one ordinary CPU.",
    "harm.domain_gap": "Synthetic scenes lack real lighting, compression chains and camera noise; agencies should "
    "measure recall on their own labelled case data in their lab before use and stop below 0.9.",
    "autonomy.human_agency": "The tool only orders files for review; every report, deletion or referral is decided "
    "and made by a trained analyst, and nothing is sent anywhere automatically.",
    "autonomy.human_oversight": "A trained analyst reviews every flagged file, can mark any score as wrong with one "
    "click, and the override with the analyst's id is written to the case audit log.",
    "autonomy.privacy": "No images leave memory or the agency's machine; only scores, hashes and audit records are "
    "kept for the life of the case, and the tool sends no telemetry at all.",
    "autonomy.transparency": "The score is the model's estimated chance that a file needs review; the default "
    "threshold was chosen for recall of 0.95 on validation data, and scores on tiny images are unreliable.",
    "fairness.diversity_accessibility": "Training scenes are balanced over skin tone, lighting, age group and setting; "
    "the tool runs on any CPU with free software and its interface is available in eight languages.",
    "fairness.contestability": "Agencies report a wrong result through the issue tracker or the team contact address; "
    "the maintainers answer within five working days and publish a fixed version when confirmed.",
    "governance.accountability": "The university lab that built it maintains the tool for three years, handles incident "
    "reports, and withdraws a version from the hub when a harmful error is confirmed.",
    "governance.record_keeping": "Each run logs the model version and sha256, threshold, time and operator id with "
    "each score, so any result can be traced; it never logs image content or file names of victims.",
    "data.synthetic_only": True,
    "data.governance": "Data came from the kit's scene generator with a fixed seed, balanced over six attributes; "
    "we checked per-group counts and kept splits disjoint by generator seed.",
    "security.cybersecurity": "The model is plain ONNX with standard operators, releases carry sha256 digests, "
    "dependencies are pinned, inputs are size-limited, and security reports go to the team contact.",
}

DIGEST_A = "3f1c9a0b7d2e4f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a"
DIGEST_B = "a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8"


def good_manifest_overrides(**changes: Any) -> dict[str, Any]:
    """submission.yaml fields that satisfy every declared criterion."""
    fields: dict[str, Any] = {
        "team": {"name": "Lab for Safer Images", "contact": "safer-images@lab.ac.uk"},
        "license": "Apache-2.0",
        "claims": {"roc_auc": 0.95},
        "training_data": [
            {"name": "synthetic-scenes", "content": "synthetic", "license": "CC0-1.0", "provenance_sha256": DIGEST_A}
        ],
        "ethics": dict(ANSWERS),
    }
    fields.update(changes)
    return fields


def metric(value: float | None, low: float | None = None, high: float | None = None, note: str | None = None) -> dict:
    entry: dict[str, Any] = {"value": value, "ci_low": low, "ci_high": high}
    if note:
        entry["note"] = note
    return entry


def headline(**changes: Any) -> dict[str, Any]:
    """Every headline metric report.json's schema requires, with good numbers unless overridden."""
    metrics = {
        "roc_auc": metric(0.97, 0.95, 0.985), "pr_auc": metric(0.96, 0.94, 0.98),
        "partial_auc_fpr_0.1": metric(0.9, 0.86, 0.93), "recall_at_fpr_0.01": metric(0.8, 0.74, 0.85),
        "recall_at_fpr_0.001": metric(0.6, 0.5, 0.7), "fpr_at_recall_0.95": metric(0.1, 0.06, 0.15),
        "wss_at_recall_0.95": metric(0.8, 0.76, 0.84), "precision_at_k": metric(0.98, 0.95, 1.0),
    }
    return {**metrics, **changes}


def make_report(submission_sha256: str, **sections: Any) -> dict[str, Any]:
    """A report.json shaped as docs/CONTRACTS.md says, with good numbers unless overridden."""
    group = lambda name, recall: {  # noqa: E731
        "group": name, "n": 120, "positives": 60, "recall": metric(recall, recall - 0.05, recall + 0.04),
        "fpr": metric(0.05, 0.02, 0.09), "selection_rate": metric(0.5, 0.45, 0.55),
        "roc_auc": metric(0.96, 0.93, 0.98), "estimable": True,
    }
    attribute = {
        "groups": [group("light", 0.92), group("dark", 0.90)],
        "equalized_odds_difference": metric(0.02, 0.0, 0.07),
        "demographic_parity_difference": metric(0.03, 0.0, 0.08),
        "worst_group_recall": metric(0.90, 0.85, 0.94),
    }
    report: dict[str, Any] = {
        "schema_version": 1,
        "submission": {"name": "toy-red", "version": "1.0.0", "sha256": submission_sha256, "task": "binary-triage",
                       "labels": ["clear", "review"], "threshold": 0.5},
        "data": {"provenance_sha256": DIGEST_B, "splits": {"test": 480, "test_balanced": 240, "test_conflicting": 240}},
        "config": {"seed": 7, "bootstrap_resamples": 200, "confidence": 0.95, "min_group_size": 30},
        "software": {"saferkit": "0.1.0", "onnxruntime": "1.31.1", "numpy": "2.1.0"},
        "headline": headline(),
        "operating_point": {"threshold": 0.5, "tp": 220, "fp": 12, "tn": 228, "fn": 20,
                            "precision": metric(0.95, 0.92, 0.97), "recall": metric(0.92, 0.88, 0.95),
                            "specificity": metric(0.95, 0.92, 0.97)},
        "calibration": {"brier": metric(0.05, 0.04, 0.06), "ece": metric(0.03, 0.02, 0.05)},
        "bias": {"attributes": {"skin_tone": attribute}, "intersections": {},
                 "worst_group_recall": metric(0.90, 0.85, 0.94),
                 "max_equalized_odds_difference": metric(0.04, 0.01, 0.09),
                 "max_recall_difference": metric(0.03, 0.0, 0.08),
                 "max_demographic_parity_difference": metric(0.05, 0.01, 0.12)},
        "robustness": {"rows": [{"transform": "jpeg", "severity": 3, "roc_auc": 0.95, "recall_at_threshold": 0.9,
                                 "auc_drop": 0.02}], "max_auc_drop": 0.04, "mean_auc_drop": 0.02},
        "efficiency": {"model_bytes": 4_000_000, "parameters": 1_000_000, "latency_ms_batch1": 12.0,
                       "throughput_batch32": 800.0, "peak_memory_mb": 150.0, "provider": "CPUExecutionProvider"},
        "claims": [{"metric": "roc_auc", "declared": 0.95, "measured": metric(0.97, 0.95, 0.985), "verdict": "confirmed"}],
        "variants": {"test_balanced": headline(roc_auc=metric(0.965, 0.94, 0.98)),
                     "test_conflicting": headline(roc_auc=metric(0.95, 0.92, 0.97))},
        "sections_invalid": [],
    }
    for path, value in sections.items():
        node = report
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return report


def spurious_report(submission_sha256: str) -> dict[str, Any]:
    """What a model that learned a shortcut looks like: large gaps, a starved group, collapse on conflicting cues."""
    return make_report(
        submission_sha256,
        bias__max_equalized_odds_difference={**metric(0.46, 0.38, 0.53), "attribute": "lighting"},
        bias__worst_group_recall=metric(0.31, 0.22, 0.40),
        bias__max_demographic_parity_difference=metric(0.41, 0.33, 0.49),
        variants__test_conflicting=headline(roc_auc=metric(0.58, 0.52, 0.64)),
    )


def write_report(folder: Path, report: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return path


def full_review(submission_sha256: str, decision: str = "pass") -> dict[str, Any]:
    from saferkit.ethics.checklist import load_criteria

    return {
        "schema_version": 1,
        "submission_sha256": submission_sha256,
        "reviews": {
            c.id: {"reviewer": "Ada Evaluator", "date": "2026-01-15", "decision": decision,
                   "reasoning": f"Read the answers and the report for {c.id}; they are specific and consistent."}
            for c in load_criteria()
            if c.kind == "reviewer"
        },
    }


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "saferkit", *map(str, args)],
        capture_output=True, text=True, timeout=180, input=stdin, cwd=cwd,
    )


