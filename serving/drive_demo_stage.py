"""Demo stage: build a synthetic seized drive (`saferkit data synth-drive`), scan it, check it against its truth.

The drive holds the kit's synthetic scenes (no people) loose, re-encoded,
on frames and pages, in PDFs, archives nested three deep and disk images;
the stage reports how many of the listed placements the scan found and
whether anything else was reported as known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEMO_SCENE_SIZE = 128


def found_against_truth(rows: list[dict[str, Any]], drive_folder: Path, truth: dict[str, Any]) -> dict[str, int]:
    """Listed placements found, required ones, and rows whose matches the truth does not explain."""
    prefix = f"{drive_folder}/"
    by_path = {row["path"].removeprefix(prefix): row for row in rows}
    allowed: dict[str, set[str]] = {}
    found = required = 0
    for entry in truth["listed"]:
        if "name_suffix" in entry:
            paths = [p for p in by_path if p.startswith(entry["path"]) and p.endswith(entry["name_suffix"])]
        else:
            paths = [entry["path"]] if entry["path"] in by_path else []
        ids = {m["id"] for p in paths for m in by_path[p]["matches"]}
        required += entry.get("must_match", True)
        found += entry.get("must_match", True) and entry["id"] in ids
        for path in paths:
            allowed.setdefault(path, set()).add(entry["id"])
            if "#frame=" in path:
                allowed.setdefault(path.split("#frame=")[0], set()).add(entry["id"])
    false_hits = sum(1 for path, row in by_path.items() if {m["id"] for m in row["matches"]} - allowed.get(path, set()))
    return {"found": found, "required": required, "false_hits": false_hits}


def run(ctx: Any) -> None:
    """Build OUT/drive, scan it into OUT/drive-scan, and record what was found."""
    from saferkit.datasets.drive import build_drive
    from saferkit.serving.scan import store
    from saferkit.serving.scan.runner import ScanOptions, run_scan

    root = Path(ctx.out) / "drive"
    truth = build_drive(root, size=DEMO_SCENE_SIZE, overwrite=True)
    submission = ctx.artifacts.get("submission_dir")
    out = Path(ctx.out) / "drive-scan"
    scorecard = Path(ctx.artifacts["scorecard_dir"]) / "scorecard.json" if ctx.artifacts.get("scorecard_dir") else None
    summary = run_scan(ScanOptions(out=out, source=root / "drive", hashlists=[root / "known.csv"],
                                   models=[Path(submission)] if submission else [], overwrite=True,
                                   scorecards=[scorecard] if submission and scorecard and scorecard.is_file() else [],
                                   allow_unqualified=True), ctx.console)  # the demo's quick model; the report says whether it qualified
    counts = found_against_truth(store.read_rows(out).to_pylist(), (root / "drive").resolve(), truth)
    ctx.artifacts["drive_scan_dir"] = out
    ctx.record("drive", f"synthetic seized drive: {summary['files_done']} files, {summary['members_done']} rows inside "
                        "archives, disk images, PDFs and frames", root)
    ctx.record("drive", f"{counts['found']} of {counts['required']} listed placements found, "
                        f"{counts['false_hits']} false known hits", out)
