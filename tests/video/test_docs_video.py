"""The `saferkit` commands in the video sections of docs/hashing.md run as written."""

from __future__ import annotations

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
    assert [c[:3] for c in commands] == [["saferkit", "data", "synth-video"], ["saferkit", "hashing", "bench"]]
    for argv in commands:
        result = subprocess.run([sys.executable, "-m", *argv], cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "clips" / "videos").iterdir())) == 4
    table = (tmp_path / "video-bench" / "video_robustness.md").read_text()
    assert "| flip |" in table and "vpdq+borders+mirror" in table
