"""The root command: help, version, and one-line errors for user mistakes."""

from __future__ import annotations

import subprocess
import sys

from saferkit import __version__


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True, timeout=120)


def test_version_and_help():
    assert run("version").stdout.strip() == f"saferkit {__version__}"
    result = run("--help")
    assert result.returncode == 0
    for command in ("version", "demo"):
        assert command in result.stdout


def test_unknown_command_is_a_usage_error_without_traceback():
    result = run("no-such-command")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
