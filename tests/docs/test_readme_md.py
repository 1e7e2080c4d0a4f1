"""Every command line of README.md, run as written: a team's path, then an agency's, then the hub.

The two training lines come from the baseline cache (tests/support/baseline_cache.py), which runs exactly
those words once per key and is shared with the calibration test, so the suite trains the baseline once.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from docs_runner import REPO, DocRun, bare, environment, free_port, run
from reader_files import known_list, lab_signed_scorecard, media_folder, proxy_folder, team_work

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from baseline_cache import TRAIN_LINES, copy_documented_baseline  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # (uncached) the baseline's training
SKIP = {
    "make test": "CI itself: `make test` is how this suite is run",
    "make demo": "test_make_demo_runs_as_written below",
}
REVIEWER = "R. Viewer"
REASON = "Read the model card, the declared answers and the report; they are specific and consistent."


def reviewer_answers(criteria: int) -> str:
    """What a reviewer types into `saferkit ethics review`: a name, then a decision and its reasoning per criterion."""
    return "\n".join([REVIEWER] + ["pass", REASON] * criteria) + "\n"


def test_every_readme_command_runs_as_written(tmp_path, toy_submission):
    from evidence_helpers import write_scorecard

    from saferkit.ethics.checklist import load_criteria
    from saferkit.evaluation.evaluate import EvaluationConfig, evaluate
    from saferkit.evaluation.submission import load_submission

    env = environment(tmp_path)
    doc = DocRun("README.md", tmp_path / "team", env, skip=SKIP)

    # A hackathon team: data, the baseline, evaluation and the ethics gate.
    doc.cwd.mkdir()
    copy_documented_baseline(doc.cwd)
    for words in TRAIN_LINES:
        assert bare(doc.ran_elsewhere(words)) == words  # the cache ran exactly these words
    doc.run("saferkit data synth biased")
    proxy_folder(doc.cwd / "my-proxy-data", doc.cwd / "data")
    doc.run("saferkit data check my-proxy-data")
    doc.run("saferkit baseline export runs/base --out submission")
    doc.run("saferkit init my-team")
    assert (doc.cwd / "my-team" / "train.py").is_file()
    doc.run("saferkit submission check submission")
    doc.run("saferkit evaluate submission --data data --out report")
    shutil.copytree(doc.cwd / "report", doc.cwd / "report-a")  # two teams' reports on the same data
    quick = EvaluationConfig(efficiency=False, robustness=False, bootstrap_resamples=200)
    evaluate(toy_submission(folder_name="other-team"), doc.cwd / "data", doc.cwd / "report-b", quick)
    doc.run("saferkit leaderboard report-a/report.json report-b/report.json --out board.html")
    doc.run("saferkit ethics template > answers.yaml")
    criteria = len([c for c in load_criteria() if c.kind == "reviewer"])
    doc.run("saferkit ethics review submission --out review.yaml", input=reviewer_answers(criteria))
    doc.run("saferkit hub keygen --out lab.pem")
    doc.run("saferkit ethics check submission", expect=1)  # "exit 0 only when qualified"; README says it does not
    card = json.loads((doc.cwd / "scorecard" / "scorecard.json").read_text())
    assert card["qualified"] is False and (doc.cwd / "scorecard" / "attestation.json").is_file()
    reviewed = {c["id"]: c["result"] for c in card["criteria"] if c["kind"] == "reviewer"}
    assert set(reviewed.values()) == {"pass"}, reviewed  # what holds it back is the evidence's size, not the review
    assert "insufficient-evidence" in {c["result"] for c in card["criteria"] if c["kind"] == "automatic"}

    # An agency: the tool as the hub delivers it (the submission and a scorecard that qualified it), its media, a list.
    agency = tmp_path / "agency"
    agency.mkdir()
    shutil.copytree(doc.cwd / "submission", agency / "submission")
    write_scorecard(agency / "scorecard", load_submission(agency / "submission").sha256, qualified=True)
    pictures = media_folder(agency / "media")
    known_list(agency / "known.json", pictures[:3])
    doc.cwd = agency
    doc.run("saferkit hash media/ --out hashes.csv")
    doc.run("saferkit hashlist convert known.json known.csv")
    matched = doc.run("saferkit match media/ --list known.csv --threshold 31 --dihedral")
    assert all(p.name in matched.stdout for p in pictures[:3])
    doc.run("saferkit hashing bench")
    assert (agency / "hash-bench" / "robustness.md").is_file()
    port = free_port()
    with doc.serve("SAFERKIT_API_KEYS=", port, "/v2/health/ready", documented=8080):
        pass
    doc.run("saferkit scan media/ --out scan")
    doc.run("saferkit scan report scan --out triage.html")
    doc.run("saferkit scan verify scan")
    doc.run("saferkit scan export scan --to vics --out scan-vics.json")
    assert json.loads((agency / "scan-vics.json").read_text())

    # The hub: the team publishes a tool an accredited lab qualified, to a catalogue its operator runs.
    doc.cwd = tmp_path / "hub"
    team_work(toy_submission, doc.cwd, report="report")
    lab_signed_scorecard(doc.cwd, env, "report", "scorecard")
    doc.run("saferkit hub keygen --out team.pem")
    operator = ['saferkit hub add-publisher "Team Blue" --public-key team.pub --db saferkit-hub.db',
                'saferkit hub accredit evaluator lab.pub --name "Lab A" --expires 2030-12-31 --db saferkit-hub.db',
                "saferkit hub accredit profile default.yaml --version 2026.1 --db saferkit-hub.db"]
    outputs = [run(step, doc.cwd, env) for step in operator]
    assert all(o.returncode == 0 for o in outputs), [o.stderr for o in outputs]
    doc.env = {**env, "SAFERKIT_HUB_API_KEY": outputs[0].stdout.strip()}
    port = free_port()
    with doc.serve("saferkit hub serve --port 8700", port, "/api/v1/health", documented=8700):
        published = doc.run("saferkit hub publish submission", port=port, documented=8700)
    assert "published" in published.stdout + published.stderr
    doc.finish()


def test_make_demo_runs_as_written(tmp_path):
    """`make demo` in a copy of the Makefile, its environment already installed (as `make test` leaves it)."""
    import os
    import time

    line = next(bare(line) for line in DocRun("README.md", tmp_path, {}).lines if bare(line) == "make demo")
    for name in ("Makefile", "pyproject.toml", "setup.py"):
        shutil.copy2(REPO / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    saferkit = tmp_path / ".venv" / "bin" / "saferkit"
    saferkit.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m saferkit "$@"\n')
    saferkit.chmod(0o755)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.touch()
    later = time.time() + 1
    os.utime(stamp, (later, later))
    done = run(line, tmp_path, environment(tmp_path), timeout=3000)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "saferkit demo: what was produced" in done.stdout and (tmp_path / "demo-out").is_dir()
