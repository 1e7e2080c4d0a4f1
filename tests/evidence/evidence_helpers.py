"""Shared by the evidence tests: in-process scans, noise and flat pictures (no people)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from rich.console import Console

from saferkit.serving.scan.runner import ScanOptions, run_scan


def scan(out: Path, source: Path, **options) -> dict:
    """`saferkit scan` in-process, one worker, no progress bar."""
    options.setdefault("workers", 0)
    return run_scan(ScanOptions(out=out, source=source, progress=False, **options), Console(file=io.StringIO()))


def noise_picture(path: Path, seed: int, side: int = 48) -> Path:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def flat_picture(path: Path, grey: int, side: int = 48) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (side, side), (grey, grey, grey)).save(path)
    return path




def run_cli(capsys, *args) -> tuple[int, str]:
    """`saferkit ARGS` in this process as a user runs it (errors as one line): (exit code, stdout + stderr)."""
    from saferkit.cli import main

    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def write_scorecard(folder: Path, submission_sha256: str, qualified: bool) -> Path:
    """A schema-valid scorecard.json as `saferkit ethics check` writes it (one criterion, pass or fail)."""
    import json

    result = "pass" if qualified else "fail"
    card = {"schema_version": 1, "qualified": qualified, "submission_sha256": submission_sha256,
            "report_sha256": "0" * 64, "profile": "test",
            "criteria": [{"id": "fairness.recall_gap", "title": "t", "principle": "p", "kind": "automatic",
                          "required": True, "result": result, "evidence": "AUC 0.48", "why": "synthetic"}],
            "counts": {"pass": int(qualified), "fail": int(not qualified), "insufficient-evidence": 0}}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scorecard.json"
    path.write_text(json.dumps(card), encoding="utf-8")
    return path
