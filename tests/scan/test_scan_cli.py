"""`saferkit scan DIR --out RESULT` and `saferkit scan report RESULT --out REPORT.html` as a user runs them."""

from __future__ import annotations

import subprocess
import sys


def _saferkit(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True, timeout=timeout)


def test_help_shows_both_forms():
    result = _saferkit("scan", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "saferkit scan DIR --out RESULT" in text
    assert "saferkit scan report RESULT --out REPORT.html" in text


def test_scan_then_report_from_the_command_line(tmp_path, image_folder, toy_submission):
    folder = image_folder(5)
    out = tmp_path / "result"
    scanned = _saferkit("scan", str(folder), "--out", str(out), "--model", str(toy_submission()), "--workers", "1",
                        "--no-progress", "--allow-unqualified")
    assert scanned.returncode == 0, scanned.stderr
    assert "scan complete" in scanned.stdout and "scored by toy-red@1.0.0" in scanned.stdout
    assert (out / "summary.json").is_file() and (out / "manifest.json").is_file()
    report = tmp_path / "report.html"
    written = _saferkit("scan", "report", str(out), "--out", str(report))
    assert written.returncode == 0, written.stderr
    assert f"wrote {report}" in written.stdout and report.stat().st_size > 0
    again = _saferkit("scan", "--out", str(out), str(folder), "--model", str(toy_submission()), "--workers", "0",
                     "--allow-unqualified")
    assert again.returncode == 0, again.stderr  # options before DIR work too; a finished scan is skipped
    assert "resuming: 1 of 1 shards already finished" in again.stderr


def test_mistakes_are_one_line_errors(tmp_path):
    missing = _saferkit("scan", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [f"error: {tmp_path / 'nowhere'} does not exist; pass the folder to scan."]
    no_result = _saferkit("scan", "report", str(tmp_path), "--out", str(tmp_path / "r.html"))
    assert no_result.returncode == 2 and "holds no scan result" in no_result.stderr
    bad_engine = _saferkit("scan", str(tmp_path), "--out", str(tmp_path / "out"), "--engine", "spark")
    assert bad_engine.returncode == 2 and "unknown engine 'spark'" in bad_engine.stderr
