"""Every command in docs/rounds.md, run as written (the server line in the background, as an organiser would)."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "rounds.md"


def command_lines() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("saferkit ")]


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


@pytest.mark.slow
def test_every_command_in_rounds_md_runs_as_written(tmp_path, rk):
    rk.write_submission(tmp_path / "submission", rk.WEIGHTS["blue"], name="ours", team="team-a")
    rk.write_submission(tmp_path / "submission-v2", rk.WEIGHTS["green"], name="ours", team="team-a", version="1.1.0")
    env = dict(os.environ)
    server = None
    outputs: dict[str, str] = {}
    try:
        for line in command_lines():
            argv = [sys.executable, "-m", *shlex.split(line)]
            if line.startswith("saferkit round serve"):
                server = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                wait_for_port(int(argv[argv.index("--port") + 1]))
                continue
            done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
            outputs.setdefault(line, "")
            outputs[line] += done.stdout
            if line.startswith("saferkit hub add-publisher"):
                env["SAFERKIT_HUB_API_KEY"] = done.stdout.strip().splitlines()[-1]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
    submits = outputs["saferkit round submit submission --hub http://127.0.0.1:8765 --round spring-round"]
    assert "queued" in submits and "no submission spent" in submits and "left: 2 today, 19 in the phase" in submits
    assert "A - B:" in outputs["saferkit compare submission-v2 submission --data dev-data"]
    assert "evaluated 1 submission(s)" in outputs["saferkit round work host --workers 2"]
    board = (tmp_path / "dev-board.md").read_text()
    assert "team-a / ours 1.0.0" in board
    spec = yaml.safe_load((tmp_path / "spec.yaml").read_text())
    assert "seed" not in spec["phases"]["final"]["data"]
    assert json.loads((tmp_path / "all" / "results.json").read_text())["entries"]
    assert (tmp_path / "bundle.zip").is_file()
    refused = subprocess.run([sys.executable, "-m", "saferkit", "round", "make-data", "spec.yaml", "--phase", "final", "--out", "x"],
                             cwd=tmp_path, capture_output=True, text=True)
    assert refused.returncode != 0 and "only the organiser" in refused.stderr
