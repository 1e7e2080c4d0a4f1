"""Run the shell commands of a Markdown file as a user would: same words, a `saferkit` on PATH, a scratch folder."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)


def shell_blocks(markdown: Path) -> list[str]:
    """The bodies of the fenced blocks a reader would type: ```bash or unlabelled blocks starting with a command."""
    blocks = []
    for lang, body in FENCE.findall(markdown.read_text(encoding="utf-8")):
        first = next((line for line in body.splitlines() if line.strip() and not line.startswith("#")), "")
        if lang in ("bash", "sh") or (lang == "" and re.match(r"(saferkit|curl|python|KEY=|SAFERKIT_)", first)):
            blocks.append(body)
    return blocks


def commands(block: str) -> list[str]:
    """One string per command: continuation lines joined, comments and blank lines dropped."""
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def environment(tmp: Path) -> dict[str, str]:
    """PATH with `saferkit` and `python` meaning this checkout's interpreter."""
    bin_dir = tmp / ".bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in (("saferkit", f'exec "{sys.executable}" -m saferkit "$@"'), ("python", f'exec "{sys.executable}" "$@"')):
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "COLUMNS": "200"}


def run(command: str, cwd: Path, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def on_port(command: str, port: int) -> str:
    """The documented command on a free port (8080 may be taken on a shared machine)."""
    if "8080" in command:
        return command.replace("8080", str(port))
    serves = command.startswith(("saferkit serve", "SAFERKIT_API_KEYS")) and "verify-audit" not in command
    return f"{command} --port {port}" if serves else command


class Server:
    """A documented `saferkit serve` command running in the background until the block ends."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str], port: int) -> None:
        self.port = port
        self.process = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, start_new_session=True)

    def __enter__(self) -> "Server":
        import urllib.request

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the documented server stopped: {self.process.stderr.read()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v2/health/ready", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise AssertionError("the documented server did not become ready")

    def __exit__(self, *exc) -> None:
        import signal

        os.killpg(self.process.pid, signal.SIGINT)  # Ctrl-C, as the docs say; the server's own process group only
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
