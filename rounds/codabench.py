"""`saferkit round export --to codabench`: a Codabench competition bundle (competition.yaml v2) for a round.

Layout (Codabench's documented bundle: competition.yaml at the top, every file
it names beside it): one task per phase, each with the scoring program and the
phase's reference data (its test split: images, manifest, provenance); pages
in Markdown; a logo. The scoring program calls the kit: the participant's
upload is a saferkit submission (model.onnx + submission.yaml), which the
program evaluates with `saferkit evaluate` on the phase's reference data and
writes scores.json for the leaderboard. The docker image that runs it must have
saferkit installed (`--docker-image`). The final phase's reference data is the
hidden data: the bundle is as secret as the organiser's round file.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import yaml

from saferkit.core.atomic import staged_folder
from saferkit.core.errors import UserError
from saferkit.rounds.spec import PHASES, Round, public_spec

BUNDLE_FILES = ("competition.yaml", "logo.png", "overview.md", "evaluation.md", "terms.md", "data.md", "scoring_program.zip")
LEADERBOARD_COLUMNS = ("roc_auc", "pr_auc", "wss_at_recall_0.95", "recall_at_fpr_0.01")

SCORE_PY = '''"""Codabench scoring program: evaluate a saferkit submission with the kit on this phase's reference data."""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

COLUMNS = {columns!r}


def main(input_dir: str, output_dir: str) -> None:
    submission, reference = Path(input_dir) / "res", Path(input_dir) / "ref"
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report"
        subprocess.run([sys.executable, "-m", "saferkit", "evaluate", str(submission), "--data", str(reference), "--out", str(report),
                        "--resamples", "{resamples}", "--no-robustness", "--no-efficiency", "--workers", "1"], check=True)
        data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    scores = {{name: data["headline"][name]["value"] for name in COLUMNS}}
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    (Path(output_dir) / "scores.json").write_text(json.dumps(scores), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
'''


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _zip_members(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _logo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (128, 128), (30, 60, 110))
    ImageDraw.Draw(image).ellipse((24, 24, 104, 104), outline=(240, 240, 240), width=8)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _when(day: str, end: bool) -> str:
    return f"{day} 23:59" if end else f"{day} 00:00"


def competition(round_: Round, docker_image: str) -> dict[str, Any]:
    """competition.yaml (Codabench v2) for the round."""
    phases = []
    for index, phase in enumerate(PHASES):
        p = round_.phase(phase)
        phases.append({
            "index": index, "name": phase, "description": p.get("shift") or f"The {phase} phase of {round_.name}.",
            "start": _when(p["opens"], False), "end": _when(p["closes"], True),
            "max_submissions_per_day": round_.per_day, "max_submissions": round_.total, "execution_time_limit_ms": 3_600_000,
            "tasks": [index],
        })
    tasks = [{"index": index, "name": f"{round_.name} {phase}", "description": f"Scores a saferkit submission on the {phase} data.",
              "scoring_program": "scoring_program.zip", "reference_data": f"reference_data_{phase}.zip"} for index, phase in enumerate(PHASES)]
    columns = [{"title": name, "key": name, "index": i, "sorting": "desc"} for i, name in enumerate(LEADERBOARD_COLUMNS)]
    return {
        "version": 2, "title": round_.data["title"], "description": f"saferkit round {round_.name}: synthetic data only.",
        "image": "logo.png", "docker_image": docker_image, "registration_auto_approve": False, "terms": "terms.md",
        "pages": [{"title": "Overview", "file": "overview.md"}, {"title": "Evaluation", "file": "evaluation.md"},
                  {"title": "Terms", "file": "terms.md"}, {"title": "Data", "file": "data.md"}],
        "phases": phases, "tasks": tasks, "solutions": [],
        "leaderboards": [{"title": "Results", "key": "main", "columns": columns}],
    }


def _pages(round_: Round) -> dict[str, str]:
    spec = public_spec(round_)
    final = spec["phases"]["final"]
    return {
        "overview.md": f"# {round_.data['title']}\n\nA saferkit triage round on synthetic data only (procedural scenes; no people, no real material).\n",
        "evaluation.md": (f"# Evaluation\n\nUpload a saferkit submission (.zip of model.onnx and submission.yaml). The scoring program runs "
                          f"`saferkit evaluate` on the phase's data; the ranking metric is {round_.metric}. Codabench ranks by the value "
                          "alone; the kit's own board (`saferkit round board`) groups entries a paired test cannot tell apart.\n"),
        "terms.md": "# Terms\n\nSubmissions are data only (ONNX + YAML); no code from a submission is run. Synthetic data only.\n",
        "data.md": (f"# Data\n\nDevelopment data: `saferkit round make-data spec.yaml --phase development --out dev` with the public spec.\n\n"
                    f"Final data: held by the organiser; it differs in {', '.join(final['shift_attributes'])} ({final['shift']}).\n"),
    }


def export_codabench(round_: Round, data_root: str | Path, out: str | Path, docker_image: str = "saferkit/saferkit:latest") -> Path:
    """Write the bundle as a folder `out` and `out`.zip; `data_root` holds each phase's data (data_root/<phase>)."""
    if not round_.secret:
        raise UserError(f"{round_.source} is a public spec; export the organiser's round file (the bundle holds the final data).")
    data_root, out = Path(data_root), Path(out)
    for phase in PHASES:
        if not (data_root / phase / "manifest.csv").is_file():
            raise UserError(f"{data_root / phase} holds no data; make it with `saferkit round make-data ROUND --phase {phase} "
                            f"--out {data_root / phase}` (or pass the host folder's data/).")
    with staged_folder(out) as staging:
        (staging / "competition.yaml").write_text(yaml.safe_dump(competition(round_, docker_image), sort_keys=False), encoding="utf-8")
        (staging / "logo.png").write_bytes(_logo())
        for name, text in _pages(round_).items():
            (staging / name).write_text(text, encoding="utf-8")
        script = SCORE_PY.format(columns=list(LEADERBOARD_COLUMNS), resamples=round_.resamples)
        metadata = yaml.safe_dump({"command": "python3 $program/score.py $input $output"})
        (staging / "scoring_program.zip").write_bytes(_zip_members({"score.py": script, "metadata.yaml": metadata}))
        for phase in PHASES:
            (staging / f"reference_data_{phase}.zip").write_bytes(_zip_folder(data_root / phase))
    bundle = out.with_suffix(".zip")
    from saferkit.core.atomic import write_bytes_atomic

    write_bytes_atomic(bundle, _zip_folder(out))
    return bundle


def bundle_problems(folder: str | Path) -> list[str]:
    """Check an unpacked bundle by the rules Codabench's v2 unpacker applies, plus the scoring program's metadata."""
    folder = Path(folder)
    problems: list[str] = []
    try:
        doc = yaml.safe_load((folder / "competition.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [f"competition.yaml: {exc}"]
    if doc.get("version") != 2:
        problems.append("competition.yaml: version must be 2")

    def present(name: str, what: str) -> None:
        path = folder / name
        if not path.is_file() or path.stat().st_size == 0:
            problems.append(f"{what}: {name} is missing or empty")

    for page in doc.get("pages") or []:
        present(page.get("file", ""), f"page {page.get('title')}")
    present(doc.get("terms", ""), "terms")
    present(doc.get("image", ""), "image")
    tasks = {}
    for task in doc.get("tasks") or []:
        if "index" not in task:
            problems.append(f"task {task.get('name')}: no index")
            continue
        if task["index"] in tasks:
            problems.append(f"task {task['index']}: duplicate index")
        tasks[task["index"]] = task
        if "scoring_program" not in task:
            problems.append(f"task {task.get('name')}: no scoring program")
        for kind in ("ingestion_program", "input_data", "scoring_program", "reference_data"):
            if kind in task:
                present(task[kind], f"task {task.get('name')} {kind}")
    if not tasks:
        problems.append("no tasks listed")
    phases = sorted(doc.get("phases") or [], key=lambda p: p.get("index", 0))
    if not phases:
        problems.append("no phases")
    previous_end = None
    for phase in phases:
        if not phase.get("tasks") or any(t not in tasks for t in phase["tasks"]):
            problems.append(f"phase {phase.get('name')}: tasks missing or unknown")
        start = dt.datetime.fromisoformat(str(phase["start"]))
        if previous_end is not None and start < previous_end:
            problems.append(f"phase {phase.get('name')}: starts before the previous phase ends")
        if phase.get("end") is None and phase is not phases[-1]:
            problems.append(f"phase {phase.get('name')}: needs an end (a phase follows)")
        previous_end = dt.datetime.fromisoformat(str(phase["end"])) if phase.get("end") else None
    boards = doc.get("leaderboards")
    if not boards:
        problems.append("no leaderboards")
    for board in boards or []:
        for column in board.get("columns") or []:
            if not {"title", "key", "index"} <= set(column) or column.get("sorting", "desc") not in ("asc", "desc"):
                problems.append(f"leaderboard {board.get('key')}: column {column} needs title, key, index and sorting asc|desc")
    scoring = folder / "scoring_program.zip"
    if scoring.is_file():
        with zipfile.ZipFile(scoring) as archive:
            if "metadata.yaml" not in archive.namelist():
                problems.append("scoring_program.zip: no metadata.yaml")
            elif "command" not in (yaml.safe_load(archive.read("metadata.yaml")) or {}):
                problems.append("scoring_program.zip: metadata.yaml has no command")
    return problems
