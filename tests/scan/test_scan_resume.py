"""Interrupt and resume: finished shards are kept and skipped, the result equals an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
from scan_helpers import rows_by_name, scan

from saferkit.core import kinds
from saferkit.serving.scan import store


def _table(out: Path):
    return store.read_rows(out)


def test_stopping_after_some_shards_then_resuming_matches_a_full_run(tmp_path, image_folder, toy_submission):
    folder = image_folder(10)
    submission = toy_submission()
    full = scan(tmp_path / "full", folder, models=[submission], workers=1, shard_size=3, batch_size=2)
    part = scan(tmp_path / "part", folder, models=[submission], workers=1, shard_size=3, batch_size=2, max_shards=2)
    assert (part["shards_done"], part["complete"], part["files_done"]) == (2, False, 6)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "part" / "shards").iterdir()}
    resumed = scan(tmp_path / "part", folder, models=[submission], workers=2, shard_size=3, batch_size=2)
    assert resumed["complete"] and resumed["files_done"] == full["files_done"] == 10
    assert resumed["last_run"]["shards_skipped"] == 2 and resumed["last_run"]["shards_written"] == 2
    for path, mtime in before.items():  # finished shards were not rewritten
        assert path.stat().st_mtime_ns == mtime
    assert _table(tmp_path / "part").equals(_table(tmp_path / "full"))
    runs = store.read_json(tmp_path / "part" / store.MANIFEST_NAME)["runs"]
    assert [r["status"] for r in runs] == ["partial", "complete"]


def test_a_file_changed_between_runs_is_reported_not_hashed(tmp_path, image_folder):
    folder = image_folder(6)
    scan(tmp_path / "out", folder, workers=0, shard_size=2, batch_size=2, max_shards=1)
    plan = pq.read_table(tmp_path / "out" / store.PLAN_NAME).to_pylist()
    later = Path(plan[-1]["path"])
    later.write_bytes(later.read_bytes() + b"appended")
    summary = scan(tmp_path / "out", folder, workers=0, shard_size=2, batch_size=2)
    row = rows_by_name(tmp_path / "out")[later.name]
    assert row["error"] == kinds.CHANGED and row["sha256"] is None
    assert summary["errors"][kinds.CHANGED] == 1 and summary["complete"]


def _default_sigint() -> None:
    """Let Ctrl-C reach the scan even when this test run ignores SIGINT, as a background CI job does
    (a child inherits an ignored SIGINT, and Python then never raises KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_keeps_finished_shards_and_a_rerun_completes(tmp_path, image_folder, toy_submission):
    folder = image_folder(9)
    submission = toy_submission()
    ordered = sorted(str(p) for p in folder.rglob("img*"))
    stall = Path(ordered[6]).name  # shards 0 and 1 (files 0-5) finish, then the worker stalls
    out = tmp_path / "out"
    command = [sys.executable, "-m", "saferkit", "scan", str(folder), "--out", str(out), "--model", str(submission),
               "--workers", "1", "--shard-size", "3", "--batch-size", "3", "--no-progress", "--allow-unqualified"]
    env = {**os.environ, "SAFERKIT_SCAN_FAULTS": f"sleep:{stall}:60"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_default_sigint)
    deadline = time.monotonic() + 120
    while not store.shard_path(out, 1).exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the scan never finished its second shard"
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted: 2 of 3 shards" in stderr and "again to resume" in stderr
    assert "Traceback" not in stderr
    assert sorted(p.name for p in (out / "shards").iterdir()) == ["shard-000000.parquet", "shard-000001.parquet"]
    assert not list(out.rglob("*.tmp"))
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    full = scan(tmp_path / "full", folder, models=[submission], workers=0, shard_size=3, batch_size=3)
    assert full["complete"]
    assert _table(out).equals(_table(tmp_path / "full"))
    statuses = [r["status"] for r in store.read_json(out / store.MANIFEST_NAME)["runs"]]
    assert statuses == ["interrupted", "complete"]
