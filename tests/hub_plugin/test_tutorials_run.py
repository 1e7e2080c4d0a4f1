"""Every command line of every learning-centre tutorial, run as written, in order, in a scratch folder.

A reader follows a tutorial top to bottom on a fresh machine, so each test runs
one tutorial's ```bash lines with `saferkit` on PATH and nothing else set up,
except what the tutorial itself says comes from outside (a catalogue with a
listed tool, an evaluator's signed result); the test prepares exactly that,
just before the line that needs it. Servers run in the background on a free
port until the tutorial ends, as a second terminal would hold them; the
catalogue's address `127.0.0.1:8700` is the prepared hub's. A line that exits
non-zero fails the test, except `ethics check`, whose exit 1 is its verdict
("not qualified"), as the evaluator's tutorial says.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evidence"))  # docs_runner, shared by the docs tests

from docs_runner import Server, commands, environment, free_port, on_port, run, shell_blocks  # noqa: E402

from saferkit.hub_plugin.server.learn import GROUPS  # noqa: E402

TUTORIALS = Path(__file__).resolve().parents[2] / "hub_plugin" / "server" / "tutorials"
DOCUMENTED_HUB = "http://127.0.0.1:8700"
VERDICT_COMMANDS = {"saferkit ethics check ": "NOT QUALIFIED"}  # exit 1 with this verdict is not a failure
# What an evaluator types at `ethics review`: a decision and a reason for each reviewer criterion.
REVIEW_REASON = "Practice review on synthetic data: the model card and the measured report were read in full."


def tutorial_lines(group: str) -> list[str]:
    """The tutorial's command lines in reading order (the same extraction the docs tests use)."""
    return [line for block in shell_blocks(TUTORIALS / f"{group}.md") for line in commands(block)]


class HubServer(Server):
    """A documented `saferkit hub serve` in the background; ready when its health route answers."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str], port: int) -> None:
        super().__init__(command, cwd, env, port, ready="/api/v1/health")


@dataclass
class Reader:
    """One reader following one tutorial: a scratch folder, a shell environment, what ran and what it printed."""

    cwd: Path
    env: dict[str, str]
    hub_url: str | None = None
    serve_port: int | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each line, to see what a change costs
    ran: list[str] = field(default_factory=list)

    def follow(self, group: str, before: dict[str, Callable[["Reader"], None]] | None = None) -> None:
        """Run every line of the tutorial in order; `before[prefix]` prepares what a line needs from outside."""
        lines = tutorial_lines(group)
        assert lines, f"{group}: no commands found"
        pending = dict(before or {})
        with ExitStack() as servers:
            for line in lines:
                for prefix in [p for p in pending if line.startswith(p)]:
                    pending.pop(prefix)(self)
                self._one(line, servers)
        assert not pending, f"{group}: no line starts with {sorted(pending)}; update the test with the tutorial"
        assert self.ran == lines
        print(f"{group}: " + "; ".join(f"{s:.1f} s {line[:60]}" for line, s in self.seconds.items()))

    def _one(self, line: str, servers: ExitStack) -> None:
        started = time.monotonic()
        command = self._addressed(line)
        if command.startswith(("saferkit serve ", "saferkit hub serve")) and "verify-audit" not in command:
            port = free_port()
            if command.startswith("saferkit hub serve"):
                servers.enter_context(HubServer(f"{command} --port {port}", self.cwd, self.env, port))
                self.hub_url = f"http://127.0.0.1:{port}"
            else:
                self.serve_port = port
                servers.enter_context(Server(on_port(command, port), self.cwd, self.env, port))
            self.outputs[line] = ""
        else:
            result = self._run(command)
            printed = result.stdout + result.stderr
            verdict = next((v for prefix, v in VERDICT_COMMANDS.items() if line.startswith(prefix)), None)
            ran = result.returncode == 0 or (result.returncode == 1 and verdict is not None and verdict in printed)
            assert ran and "Traceback" not in printed, (
                f"`{line}` exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
            self.outputs[line] = printed
        self.seconds[line] = time.monotonic() - started
        self.ran.append(line)

    def _addressed(self, line: str) -> str:
        """The line with the documented addresses pointed at what this test runs (8080: a free port)."""
        if DOCUMENTED_HUB in line:
            assert self.hub_url, f"`{line}` needs a catalogue; prepare one in the test"
            line = line.replace(DOCUMENTED_HUB, self.hub_url)
        if "8080" in line and not line.startswith("saferkit serve "):
            assert self.serve_port, f"`{line}` needs the server an earlier line starts"
            line = on_port(line, self.serve_port)
        return line

    def _run(self, command: str) -> subprocess.CompletedProcess:
        if command.startswith("saferkit ethics review "):
            return subprocess.run(["bash", "-c", command], cwd=self.cwd, env=self.env, capture_output=True, text=True,
                                  timeout=120, input=review_answers())
        return run(command, self.cwd, self.env, timeout=300)

    def output(self, prefix: str) -> str:
        return next(text for line, text in self.outputs.items() if line.startswith(prefix))


def review_answers() -> str:
    from saferkit.ethics.checklist import load_criteria

    reviewer_criteria = [c for c in load_criteria() if c.kind == "reviewer"]
    return "".join(f"pass\n{REVIEW_REASON}\n" for _ in reviewer_criteria)


@pytest.fixture
def reader(tmp_path: Path, monkeypatch) -> Reader:
    """A fresh machine: the kit on PATH, no catalogue registry or key in the environment."""
    for name in ("SAFERKIT_HUB_REGISTRY", "SAFERKIT_HUB_API_KEY", "SAFERKIT_API_KEYS"):
        monkeypatch.delenv(name, raising=False)
    cwd = tmp_path / "work"
    cwd.mkdir()
    return Reader(cwd, environment(tmp_path))


@pytest.fixture
def catalogue(tmp_path: Path, accredit):
    """The catalogue operator's hub, accrediting the test evaluator and the default profile."""
    from saferkit.hub_plugin.server.run import EmbeddedHub

    with EmbeddedHub(tmp_path / "hub.db") as server:
        accredit(server.catalogue)
        yield server


def test_the_tutorials_are_the_ones_tested():
    """A new tutorial gets its run here too (each group below has its own test)."""
    assert sorted(GROUPS) == sorted(p.stem for p in TUTORIALS.glob("*.md"))
    assert all(tutorial_lines(group) for group in GROUPS)


@pytest.mark.slow  # runs the tutorial's commands (about 10-100 s each on 2 busy cores)
def test_hackathon_team_tutorial_runs_as_written(reader: Reader, catalogue, qualified_scorecard):
    def evaluator_and_operator(reader: Reader) -> None:
        # From outside the tutorial: the accredited evaluator's signed result for this submission (their
        # evaluation stands in as a copy of the team's report), and the operator's publisher account.
        lab = reader.cwd / "from-lab"
        lab.mkdir()
        shutil.copyfile(reader.cwd / "eval" / "report.json", lab / "report.json")
        card = qualified_scorecard(reader.cwd / "submission", lab / "report.json")
        shutil.copytree(card.parent, lab / "card")
        reader.env["SAFERKIT_HUB_API_KEY"] = catalogue.catalogue.add_publisher(
            "team-blue", (reader.cwd / "team.pub").read_bytes())
        reader.hub_url = catalogue.url

    reader.follow("hackathon-team", before={"saferkit hub publish": evaluator_and_operator})
    assert (reader.cwd / "runs" / "blue").is_dir() and (reader.cwd / "submission" / "model.onnx").is_file()
    assert json.loads((reader.cwd / "eval" / "report.json").read_text())["submission"]["name"] == "team-blue"
    listed = catalogue.catalogue.list_entries()[1]
    assert [entry["id"] for entry in listed] == ["team-blue"]


@pytest.mark.slow  # runs the tutorial's commands (about 10-100 s each on 2 busy cores)
def test_evaluator_tutorial_runs_as_written(reader: Reader, toy_submission):
    # From outside: the team's submission (here a tiny ONNX model the tests use, in place of the team's folder).
    shutil.move(str(toy_submission(folder_name="team-submission")), reader.cwd / "submission")
    reader.follow("evaluator")
    assert "data synth" in reader.output("saferkit evaluate plan")
    card = reader.cwd / "card"
    scorecard = json.loads((card / "scorecard.json").read_text())
    assert scorecard["profile"] == "default" and isinstance(scorecard["qualified"], bool)
    assert (reader.cwd / "review.yaml.sig").is_file()
    from saferkit.ethics.attestation import verify_attestation
    from saferkit.evaluation.submission import load_submission

    attested = verify_attestation(json.loads((card / "attestation.json").read_text()),
                                  scorecard_bytes=(card / "scorecard.json").read_bytes(), scorecard=scorecard,
                                  report_bytes=(reader.cwd / "eval" / "report.json").read_bytes(),
                                  submission_sha256=load_submission(reader.cwd / "submission").sha256)
    assert attested.statement["review"]["signature"] is not None  # the review was signed at `ethics review --key`


@pytest.mark.slow  # runs the tutorial's commands (about 10-100 s each on 2 busy cores)
def test_agency_technical_tutorial_runs_as_written(reader: Reader, catalogue, signed_bundle, keypair):
    # From outside: the catalogue with the tool listed by its publisher, and the agency's reader key.
    from saferkit.hub_plugin.bundle import zip_bundle

    bundle = signed_bundle()
    key = catalogue.catalogue.add_publisher("red-team", keypair[1].read_bytes())
    response = httpx.post(catalogue.url + "/api/v1/entries", content=zip_bundle(bundle.folder),
                          headers={"X-API-Key": key}, timeout=60)
    assert response.status_code == 201, response.text
    reader.env["SAFERKIT_HUB_API_KEY"] = catalogue.catalogue.add_reader("agency technical staff")
    reader.hub_url = catalogue.url
    reader.follow("agency-technical")
    assert "toy-red" in reader.output("saferkit hub list")
    assert "Test Evaluation Lab" in reader.output("saferkit hub verify")
    assert '"ready":true' in reader.output("curl -s http://127.0.0.1:8080/v2/health/ready")
    summary = json.loads((reader.cwd / "scan-result" / "summary.json").read_text())
    assert summary["complete"] and summary["hash_hits"] > 0 and summary["scored"], summary
    assert (reader.cwd / "triage-report.html").stat().st_size > 0
    from saferkit.evaluation.private_report import verify_field_report

    statement = verify_field_report(json.loads((reader.cwd / "field-eval" / "field-report.json").read_text()))
    assert statement["tool"]["name"] == "toy-red"


@pytest.mark.slow  # runs the tutorial's commands (about 10-100 s each on 2 busy cores)
def test_agency_investigator_tutorial_runs_as_written(reader: Reader):
    reader.follow("agency-investigator")
    summary = json.loads((reader.cwd / "scan-result" / "summary.json").read_text())
    assert summary["complete"] and summary["hash_hits"] > 0, summary
    assert "wrote triage-report.html" in reader.output("saferkit scan report")
    assert (reader.cwd / "hits.csv").read_text().count("\n") > 1


@pytest.fixture
def scratch_tutorial(tmp_path: Path, monkeypatch) -> Callable[[str], str]:
    """`scratch_tutorial(body)`: a one-block tutorial the runner reads in place of the real ones; its name."""
    folder = tmp_path / "tutorials"
    folder.mkdir()
    monkeypatch.setattr(sys.modules[__name__], "TUTORIALS", folder)

    def write(body: str) -> str:
        (folder / "scratch.md").write_text(f"# Scratch\n\n```bash\n{body}```\n", encoding="utf-8")
        return "scratch"

    return write


def test_a_command_that_fails_fails_the_run(reader: Reader, scratch_tutorial):
    """The runner is not lenient: a line that does not run as written stops it with the line named."""
    group = scratch_tutorial("saferkit hub keygen --out k.pem\nsaferkit scan nowhere --out r\n")
    with pytest.raises(AssertionError, match="saferkit scan nowhere"):
        reader.follow(group)
    assert reader.ran == ["saferkit hub keygen --out k.pem"]


def test_a_catalogue_address_with_no_catalogue_fails_the_run(reader: Reader, scratch_tutorial):
    group = scratch_tutorial("saferkit hub list --hub http://127.0.0.1:8700\n")
    with pytest.raises(AssertionError, match="needs a catalogue"):
        reader.follow(group)


def test_a_documented_hub_serve_runs_in_the_background_for_the_lines_after_it(reader: Reader, scratch_tutorial):
    group = scratch_tutorial("saferkit hub serve --db practice-hub.db\n"
                             "curl -fsS http://127.0.0.1:8700/api/v1/health\n")
    reader.follow(group)
    assert '"status":"ok"' in reader.output("curl -fsS")
    assert (reader.cwd / "practice-hub.db").is_file()
