"""The organiser's side of a round: intake, quotas, the evaluation queue and the boards, in one folder.

Layout of a host folder (written only by the kit):
  round.yaml                 the organiser's round file (with the final phase's secrets)
  data/<phase>/              each phase's test data (the final one is never served)
  intake.sqlite              submissions, queue and reveal state
  submissions/<sha256>.zip   content-addressed uploads
  reports/<phase>/<sha256>/  one evaluation report per submission and phase

Why SQLite with `BEGIN IMMEDIATE`: the web server and several worker processes
share the queue; an immediate transaction makes claiming a job atomic, so
each job is evaluated by exactly one worker, one at a time per worker.
Quotas hold under concurrent submits from one team: a counted submission
takes a numbered slot, `slot` in 1..total per phase and `day_slot` in
1..per_day per day, under UNIQUE constraints (SQLite and PostgreSQL both
enforce them; NULL slots, the baselines', never collide). Two submits that
read the same count try the same slot number; the database accepts one and
the other is counted again (and refused once no slot is left). The insert
also runs in an immediate transaction, so on SQLite the second simply waits.
Content addressing: the digest of the uploaded bytes names a submission, so
resubmitting the same bytes finds the earlier one and spends no quota. A
submission that fails `submission check` is refused at once and spends none.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from saferkit.core.atomic import write_bytes_atomic
from saferkit.core.digest import bytes_sha256
from saferkit.core.errors import UserError
from saferkit.rounds.spec import PHASES, ROUND_FILE, Round, read_round

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  team TEXT NOT NULL, phase TEXT NOT NULL, sha256 TEXT NOT NULL, day TEXT NOT NULL, submitted_at TEXT NOT NULL,
  status TEXT NOT NULL, worker TEXT, error TEXT, name TEXT, version TEXT, baseline TEXT,
  slot INTEGER, day_slot INTEGER,
  UNIQUE (team, phase, sha256)
);
CREATE TABLE IF NOT EXISTS revealed (phase TEXT PRIMARY KEY, at TEXT NOT NULL);
"""
SLOT_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS submissions_slot ON submissions (team, phase, slot);
CREATE UNIQUE INDEX IF NOT EXISTS submissions_day_slot ON submissions (team, phase, day, day_slot);
"""
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
BASELINE_TEAM = "(baseline)"
ORGANISER_KEY_FILE = "organiser.sha256"


class QuotaExceeded(UserError):
    """The team has used its submissions for today or for the phase."""


class SubmissionRefused(UserError):
    """The upload failed `submission check`; `problems` lists each problem."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


class BoardHidden(UserError):
    """The phase's board is private and the organiser has not revealed it."""


class PhaseClosed(UserError):
    """No phase takes submissions today."""


@dataclass
class Receipt:
    """What a team is told after submitting: the digest, the state, and how many submissions are left."""

    sha256: str
    phase: str
    status: str
    duplicate: bool
    left_today: int
    left_total: int
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class EvaluationSettings:
    """How workers evaluate: the round's resamples; robustness and efficiency are the organiser's choice (off for speed)."""

    robustness: bool = False
    efficiency: bool = False
    intersections: bool = True
    min_group_size: int = 30


class RoundHost:
    """One round's intake, queue and boards over a host folder."""

    def __init__(self, folder: str | Path, clock: Callable[[], dt.date] = dt.date.today,
                 settings: EvaluationSettings | None = None) -> None:
        self.folder = Path(folder)
        self.round: Round = read_round(self.folder / ROUND_FILE)
        if not self.round.secret:
            raise UserError(f"{self.folder / ROUND_FILE} is a public spec; host a round with the organiser's file.")
        self.clock = clock
        self.settings = settings or EvaluationSettings()
        with self._db() as db:
            db.executescript(SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(submissions)")}
            for column in ("slot", "day_slot"):  # a host folder made before quotas took slots
                if column not in columns:
                    db.execute(f"ALTER TABLE submissions ADD COLUMN {column} INTEGER")
            db.executescript(SLOT_INDEXES)

    # ---- setting up -------------------------------------------------------------------------------------------
    @classmethod
    def create(cls, round_file: str | Path, folder: str | Path, *, workers: int | None = None, **kwargs: Any) -> RoundHost:
        """Copy the round file into a new host folder and make each phase's data there."""
        from saferkit.rounds.data import make_phase_data

        round_ = read_round(round_file)
        folder = Path(folder)
        if (folder / ROUND_FILE).exists():
            raise UserError(f"{folder} already hosts a round; choose another folder.")
        folder.mkdir(parents=True, exist_ok=True)
        for phase in PHASES:
            make_phase_data(round_, phase, folder / "data" / phase, workers=workers)
        baselines = []
        for baseline in round_.data.get("baselines", []):
            source = (Path(round_.source).parent / baseline["submission"]).resolve()
            if not source.exists():
                raise UserError(f"baseline {baseline['name']!r}: {source} does not exist; fix its path in {round_.source}.")
            baselines.append((baseline["name"], _zip_bytes(source)))
        shutil.copyfile(round_.source, folder / ROUND_FILE)
        host = cls(folder, **kwargs)
        for name, blob in baselines:
            for phase in PHASES:
                host._accept(BASELINE_TEAM, phase, blob, baseline=name)
        return host

    def new_organiser_key(self) -> str:
        """A fresh organiser key; only its digest is kept (organiser.sha256), the key is shown once."""
        import secrets

        key = "org-" + secrets.token_urlsafe(24)
        write_bytes_atomic(self.folder / ORGANISER_KEY_FILE, bytes_sha256(key.encode()).encode(), private=True)
        return key

    def organiser_key_sha256(self) -> str:
        path = self.folder / ORGANISER_KEY_FILE
        if not path.is_file():
            raise UserError(f"{self.folder} has no organiser key; make one with `saferkit round host` or `saferkit round organiser-key`.")
        return path.read_text(encoding="utf-8").strip()

    def data_dir(self, phase: str) -> Path:
        self.round.phase(phase)
        return self.folder / "data" / phase

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.folder / "intake.sqlite", timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    # ---- intake -----------------------------------------------------------------------------------------------
    def left(self, team: str, phase: str) -> tuple[int, int]:
        """Submissions left to the team today and in total for the phase."""
        today = self.clock().isoformat()
        with self._db() as db:
            total = db.execute("SELECT COUNT(*) FROM submissions WHERE team=? AND phase=?", (team, phase)).fetchone()[0]
            daily = db.execute("SELECT COUNT(*) FROM submissions WHERE team=? AND phase=? AND day=?", (team, phase, today)).fetchone()[0]
        left_total = max(0, self.round.total - total)
        return min(max(0, self.round.per_day - daily), left_total), left_total

    def current_phase(self) -> str:
        phase = self.round.open_phase(self.clock())
        if phase is None:
            raise PhaseClosed(f"round {self.round.name} takes no submissions on {self.clock().isoformat()}; "
                              f"see `saferkit round spec` for the phases' dates.")
        return phase

    def submit(self, team: str, blob: bytes) -> Receipt:
        """Check, deduplicate, enforce the limits and queue a team's upload (a submission .zip) in the open phase."""
        return self._accept(team, self.current_phase(), blob)

    def _accept(self, team: str, phase: str, blob: bytes, baseline: str | None = None) -> Receipt:
        sha = bytes_sha256(blob)
        known = self._known(team, phase, sha)
        if known is not None:
            return known
        self._refuse_over_quota(team, phase, baseline)
        checked = self._check(blob)
        stored = self.folder / "submissions" / f"{sha}.zip"
        if not stored.exists():
            stored.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(stored, blob)
        for _ in range(self.round.total + 2):  # each lost race means another team's submit took a slot: bounded
            try:
                if not self._insert(team, phase, sha, checked, baseline):
                    known = self._known(team, phase, sha)  # the same bytes arrived concurrently
                    assert known is not None
                    return known
                break
            except sqlite3.IntegrityError:
                continue
        else:
            raise QuotaExceeded(f"team {team!r}: too many concurrent submissions; try again.")
        left_today, left_total = self.left(team, phase)
        return Receipt(sha, phase, QUEUED, False, left_today, left_total, checked["warnings"])

    def _known(self, team: str, phase: str, sha: str) -> Receipt | None:
        with self._db() as db:
            known = db.execute("SELECT status FROM submissions WHERE team=? AND phase=? AND sha256=?", (team, phase, sha)).fetchone()
        if known is None:
            return None
        left_today, left_total = self.left(team, phase)
        return Receipt(sha, phase, known["status"], True, left_today, left_total)

    def _refuse_over_quota(self, team: str, phase: str, baseline: str | None) -> None:
        if baseline is not None:
            return
        left_today, left_total = self.left(team, phase)
        if left_total == 0:
            raise QuotaExceeded(f"team {team!r} has used all {self.round.total} submissions of the {phase} phase; 0 left.")
        if left_today == 0:
            raise QuotaExceeded(f"team {team!r} has used its {self.round.per_day} submissions for today; 0 left today, "
                                f"{left_total} left in the phase. Try again tomorrow (UTC dates).")

    def _insert(self, team: str, phase: str, sha: str, checked: dict[str, Any], baseline: str | None) -> bool:
        """Count and insert in one transaction, taking the next slots; False when these bytes were already there.

        QuotaExceeded when no slot is left; sqlite3.IntegrityError when a concurrent submit took the slot first.
        """
        today = self.clock().isoformat()
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute("SELECT 1 FROM submissions WHERE team=? AND phase=? AND sha256=?", (team, phase, sha)).fetchone():
                    db.execute("ROLLBACK")
                    return False
                slot = day_slot = None
                if baseline is None:
                    total = db.execute("SELECT COUNT(*) FROM submissions WHERE team=? AND phase=?", (team, phase)).fetchone()[0]
                    daily = db.execute("SELECT COUNT(*) FROM submissions WHERE team=? AND phase=? AND day=?", (team, phase, today)).fetchone()[0]
                    slot, day_slot = total + 1, daily + 1
                    if slot > self.round.total or day_slot > self.round.per_day:
                        db.execute("ROLLBACK")
                        self._refuse_over_quota(team, phase, baseline)
                        raise QuotaExceeded(f"team {team!r} has no submission left in the {phase} phase today.")
                db.execute("INSERT INTO submissions (team, phase, sha256, day, submitted_at, status, name, version, baseline, slot, day_slot) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (team, phase, sha, today, now, QUEUED, checked["name"], checked["version"], baseline, slot, day_slot))
                db.execute("COMMIT")
            except sqlite3.IntegrityError:
                db.execute("ROLLBACK")
                raise
        return True

    @staticmethod
    def _check(blob: bytes) -> dict[str, Any]:
        """`submission check` on the uploaded bytes (a .zip), in a scratch folder removed afterwards."""
        from saferkit.evaluation.check import check_submission

        with tempfile.TemporaryDirectory(prefix="saferkit-intake-") as scratch:
            path = Path(scratch) / "submission.zip"
            path.write_bytes(blob)
            result = check_submission(path)
            if not result.ok:
                problems = [f"{p.where}: {p.message}" for p in result.problems]
                raise SubmissionRefused(f"the submission failed `saferkit submission check` ({len(problems)} problem(s)); "
                                        "no submission was spent: " + "; ".join(problems[:5]), problems)
            submission = result.submission
            return {"name": submission.name if submission else None, "version": submission.version if submission else None,
                    "warnings": [f"{w.where}: {w.message}" for w in result.warnings]}

    def submissions(self, team: str) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT phase, sha256, day, submitted_at, status, error, name, version FROM submissions "
                              "WHERE team=? ORDER BY id", (team,)).fetchall()
        return [dict(row) for row in rows]

    # ---- queue ------------------------------------------------------------------------------------------------
    def claim(self, worker: str) -> dict[str, Any] | None:
        """Take the oldest queued job (atomically: one worker per job), or None when the queue is empty."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT id, team, phase, sha256, baseline FROM submissions WHERE status=? ORDER BY id LIMIT 1", (QUEUED,)).fetchone()
            if row is None:
                db.execute("COMMIT")
                return None
            db.execute("UPDATE submissions SET status=?, worker=? WHERE id=?", (RUNNING, worker, row["id"]))
            db.execute("COMMIT")
        return dict(row)

    def report_dir(self, phase: str, sha: str) -> Path:
        return self.folder / "reports" / phase / sha

    def evaluate_job(self, job: dict[str, Any]) -> str:
        """Evaluate one claimed job on its phase's data; the outcome is recorded (failures with their reason)."""
        from saferkit.evaluation.evaluate import EvaluationConfig, evaluate

        config = EvaluationConfig(bootstrap_resamples=self.round.resamples, robustness=self.settings.robustness,
                                  efficiency=self.settings.efficiency, intersections=self.settings.intersections,
                                  min_group_size=self.settings.min_group_size, workers=1, provider="cpu", overwrite=True,
                                  tracking_uri=None)
        out = self.report_dir(job["phase"], job["sha256"])
        status, error = DONE, None
        if not (out / "report.json").is_file():
            try:
                evaluate(self.folder / "submissions" / f"{job['sha256']}.zip", self.data_dir(job["phase"]), out, config)
            except UserError as exc:  # told to the team: never the host folder's paths (the hidden data's file names)
                status, error = FAILED, str(exc).replace(str(self.folder.resolve()), "<round host>").replace(str(self.folder), "<round host>")
        with self._db() as db:
            db.execute("UPDATE submissions SET status=?, error=? WHERE id=?", (status, error, job["id"]))
        return status

    def work(self, worker: str = "worker", until_empty: bool = True) -> int:
        """Evaluate queued jobs one at a time until the queue is empty; returns how many were evaluated."""
        import time

        done = 0
        while True:
            job = self.claim(worker)
            if job is None:
                if until_empty:
                    return done
                time.sleep(1.0)
                continue
            self.evaluate_job(job)
            done += 1

    # ---- boards -----------------------------------------------------------------------------------------------
    def revealed(self, phase: str) -> bool:
        with self._db() as db:
            return db.execute("SELECT 1 FROM revealed WHERE phase=?", (phase,)).fetchone() is not None

    def reveal(self, phase: str) -> None:
        self.round.phase(phase)
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO revealed (phase, at) VALUES (?, ?)", (phase, dt.datetime.now(dt.timezone.utc).isoformat()))

    def visible(self, phase: str) -> bool:
        return self.round.board_is_public(phase) or self.revealed(phase)

    def board(self, phase: str, *, organiser: bool = False, registry: Any = None):
        """The phase's board (evaluation.leaderboard.Board): each team's best submission with its count, the baselines.

        BoardHidden for a private board not yet revealed. `registry` (hub_plugin.registry.Registry, the hub's
        accredited evaluators and profiles) verifies each scorecard's signature chain; without one no
        scorecard counts as qualified.
        """
        from saferkit.evaluation.leaderboard import Board, build_board
        from saferkit.rounds.qualify import chain_qualifier

        if not organiser and not self.visible(phase):
            raise BoardHidden(f"the {phase} board of round {self.round.name} is private until the organiser reveals it.")
        with self._db() as db:
            rows = db.execute("SELECT team, sha256, baseline FROM submissions WHERE phase=? AND status=? ORDER BY id", (phase, DONE)).fetchall()
        teams = {str(self.report_dir(phase, r["sha256"])): r["team"] for r in rows if r["baseline"] is None}
        baselines: dict[str, str | Path] = {r["baseline"]: self.report_dir(phase, r["sha256"]) for r in rows if r["baseline"] is not None}
        if not teams and not baselines:
            return Board(self.round.metric, None, None, [])
        qualify = chain_qualifier(self.submission_of, registry, self.round.data["profile"], self.clock)
        return build_board(list[str | Path](teams), self.round.metric, baselines, resamples=self.round.resamples,
                           best_per_team=True, teams=teams, qualify=qualify)

    def submission_of(self, report_folder: Path, report: Any = None) -> Path | None:
        """The uploaded .zip a report folder (reports/<phase>/<upload sha256>) judged."""
        path = self.folder / "submissions" / f"{Path(report_folder).name}.zip"
        return path if path.is_file() else None

    def board_json(self, phase: str, *, organiser: bool = False, registry: Any = None) -> dict[str, Any]:
        board = self.board(phase, organiser=organiser, registry=registry)
        return {"round": self.round.name, "phase": phase, "metric": board.metric, "data_provenance_sha256": board.data_provenance_sha256,
                "n_items": board.n_items, "rows": [_public_row(r) for r in board.rows], "set_apart": board.set_apart,
                "revealed": self.visible(phase)}


def _public_row(row: dict[str, Any]) -> dict[str, Any]:
    """A board row without the organiser's file paths."""
    return {k: v for k, v in row.items() if k != "report"}


def _zip_bytes(source: Path) -> bytes:
    """A submission as .zip bytes: a .zip file as it is, a folder zipped (model.onnx and submission.yaml)."""
    import io
    import zipfile

    if source.is_file():
        return source.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("model.onnx", "submission.yaml"):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            archive.writestr(info, (source / name).read_bytes())
    return buffer.getvalue()


def zip_submission(folder: str | Path) -> bytes:
    """The deterministic .zip of a submission folder (same files, same bytes): what teams upload."""
    return _zip_bytes(Path(folder))


def run_workers(folder: str | Path, count: int, settings: EvaluationSettings | None = None) -> int:
    """Evaluate the queue with `count` worker processes (each one job at a time) until it is empty."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(count) as pool:
        done = pool.starmap(work_in_folder, [(str(folder), f"worker-{i}", settings) for i in range(count)])
    return sum(done)


def work_in_folder(folder: str, worker: str, settings: EvaluationSettings | None) -> int:
    """One worker: evaluate the host folder's queue until it is empty (a local process or a Ray task)."""
    return RoundHost(folder, settings=settings).work(worker)


__all__ = ["BoardHidden", "EvaluationSettings", "PhaseClosed", "QuotaExceeded", "Receipt", "RoundHost", "SubmissionRefused",
           "run_workers", "work_in_folder", "zip_submission"]
