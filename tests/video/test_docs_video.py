"""The `saferkit` commands in the video sections of docs/hashing.md run as written."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(document: Path, heading: str) -> list[list[str]]:
    text = document.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    section = re.split(r"\n## ", section, maxsplit=1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.startswith("saferkit ")]


def test_video_commands_in_hashing_md_run(tmp_path):
    commands = _commands(DOCS / "hashing.md", "\n## Video\n")
    assert [c[:3] for c in commands] == [["saferkit", "data", "synth-video"], ["saferkit", "hashing", "vpdq"],
                                         ["saferkit", "hashing", "match-video"], ["saferkit", "hashing", "bench"]]
    for argv in commands:
        redirect = None
        if ">" in argv:
            argv, redirect = argv[: argv.index(">")], argv[argv.index(">") + 1]
        result = subprocess.run([sys.executable, "-m", *argv], cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        if redirect:
            (tmp_path / redirect).write_text(result.stdout)
    assert len(list((tmp_path / "clips" / "videos").iterdir())) == 4
    lines = [json.loads(line) for line in (tmp_path / "matches.jsonl").read_text().splitlines()]
    assert len(lines) == 4
    for line in lines:  # each clip finds itself (unless too few of its frames reach quality 50), never another
        assert {m["id"] for m in line["matches"]} <= {line["path"]}
    assert any(line["matches"] for line in lines)
    table = (tmp_path / "video-bench" / "video_robustness.md").read_text()
    assert "| flip |" in table and "vpdq+borders+mirror" in table
