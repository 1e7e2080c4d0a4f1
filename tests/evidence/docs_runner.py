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
from typing import Any

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


def documents() -> list[str]:
    """README.md and every docs/*.md, as paths relative to the repository."""
    return ["README.md", *(f"docs/{path.name}" for path in sorted((REPO / "docs").glob("*.md")))]


def doc_lines(document: str) -> list[str]:
    """Every command line of a document, in order (what a reader would type)."""
    return [line for block in shell_blocks(REPO / document) for line in commands(block)]


def bare(line: str) -> str:
    """A command line without its trailing `  # comment`."""
    return line.split("  #", 1)[0].strip()


class DocRun:
    """One document's command lines, each run as written or named as skipped with a reason.

    `finish()` fails when a line of the document was neither run nor skipped, so a command added to a
    document runs in its test (and tests/docs/test_docs_coverage.py checks that every document has one).
    """

    def __init__(self, document: str, cwd: Path, env: dict[str, str], skip: dict[str, str] | None = None) -> None:
        self.document, self.cwd, self.env = document, cwd, env
        self.lines = doc_lines(document)
        self.skip = dict(skip or {})
        self.done: list[str] = []
        self.seconds: dict[str, float] = {}  # wall time per line run (shown with pytest -s)
        unknown = set(self.skip) - {bare(line) for line in self.lines}
        assert not unknown, f"{document} has no line {sorted(unknown)} to skip"

    def todo(self) -> list[str]:
        """The lines still to run, in document order (each occurrence once)."""
        left = list(self.lines)
        for line in self.done:
            left.remove(line)
        return [line for line in left if bare(line) not in self.skip]

    def find(self, start: str) -> str:
        """The first line left to run whose words (comment dropped) start with `start`."""
        line = next((line for line in self.todo() if bare(line).startswith(start)), None)
        assert line is not None, f"{self.document} has no line starting with {start!r} left to run"
        return line

    def run(self, start: str, expect: int = 0, timeout: float = 600, port: int | None = None,
            documented: int = 8080, input: str | None = None) -> subprocess.CompletedProcess:
        """Run the next line starting with `start` as written (on `port` instead of `documented`); assert its exit status."""
        line = self.find(start)
        command = on_port(line, port, documented) if port else line
        started = time.monotonic()
        result = run(command, self.cwd, self.env, timeout, input)
        self.seconds[line] = self.seconds.get(line, 0.0) + time.monotonic() - started
        assert result.returncode == expect, f"{line}\n-> {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        self.done.append(line)
        return result

    def run_together(self, *starts: str, port: int | None = None, documented: int = 8080,
                     then: str = "") -> subprocess.CompletedProcess:
        """Several lines in one shell, as typed into one terminal (so `export` and `KEY=...` carry to the next).

        `then` follows each line (`"; echo"` puts each curl reply on a line of its own).
        """
        lines = []
        for start in starts:
            lines.append(self.find(start))
            self.done.append(lines[-1])
        script = "set -e\n" + "\n".join((on_port(line, port, documented) if port else line) + then for line in lines)
        result = run(script, self.cwd, self.env)
        assert result.returncode == 0, f"{script}\n-> {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result

    def ran_elsewhere(self, start: str) -> str:
        """The next line starting with `start` ran as written another way (a background server, a cached run)."""
        line = self.find(start)
        self.done.append(line)
        return line

    def serve(self, start: str, port: int, ready: str, documented: int = 8080, tls: bool = False) -> Server:
        """The next line starting with `start`, a server, started on `port` (use it in a `with` block)."""
        line = self.find(start)
        self.done.append(line)
        return Server(on_port(line, port, documented), self.cwd, self.env, port, ready, tls)

    def run_until(self, prefix: str, **how: Any) -> None:
        """Run every line left before the first one starting with `prefix` (`how`: run's options)."""
        for line in self.todo():
            if bare(line).startswith(prefix):
                return
            self.run(bare(line), **how)
        raise AssertionError(f"{self.document} has no line starting with {prefix!r} left")

    def run_rest(self, **how: Any) -> None:
        for line in self.todo():
            self.run(bare(line), **how)

    def finish(self) -> None:
        for line, seconds in self.seconds.items():
            print(f"{seconds:7.1f} s  {line}")
        left = self.todo()
        assert not left, f"lines of {self.document} that did not run: {left}"


def environment(tmp: Path) -> dict[str, str]:
    """PATH with `saferkit`, `python` and `mlflow` meaning this checkout's interpreter."""
    bin_dir = tmp / ".bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in (("saferkit", f'exec "{sys.executable}" -m saferkit "$@"'), ("python", f'exec "{sys.executable}" "$@"'),
                       ("mlflow", f'exec "{sys.executable}" -m mlflow "$@"')):
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "COLUMNS": "200"}


def run(command: str, cwd: Path, env: dict[str, str], timeout: float = 240, input: str | None = None) -> subprocess.CompletedProcess:
    """`command` in bash; `input` is what the reader types (standard input is empty otherwise)."""
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          input=input if input is not None else "")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SERVERS = ("saferkit serve", "SAFERKIT_API_KEYS", "saferkit hub serve", "saferkit round serve", "mlflow ui")


def on_port(command: str, port: int, documented: int = 8080) -> str:
    """The documented command on a free port (the documented one may be taken on a shared machine)."""
    words = bare(command)  # a trailing comment may name the port too
    if str(documented) in words:
        return words.replace(str(documented), str(port))
    serves = words.startswith(SERVERS) and "verify-audit" not in words
    return f"{words} --port {port}" if serves else command


class Server:
    """A documented server command running in the background until the block ends (Ctrl-C then)."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str], port: int, ready: str = "/v2/health/ready",
                 tls: bool = False) -> None:
        import tempfile

        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        self.ready = ready
        self.log = tempfile.TemporaryFile(mode="w+")  # read on failure; a pipe nobody reads could fill and block it
        self.process = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def __enter__(self) -> "Server":
        import ssl
        import urllib.request

        unverified = ssl._create_unverified_context()  # a test certificate
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise AssertionError(f"the documented server stopped: {self.log.read()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + self.ready, timeout=2, context=unverified) as response:
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
        self.log.close()
