"""The commands of docs/hashing.md, "Archives, disk images, PDFs and frames", run as written."""

from __future__ import annotations

import csv
import re
import shlex
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "hashing.md"
NESTED = "synth/drive/Users/alice/Downloads/photos.zip!/photos/nested.zip!/img_03.jpg"


def _commands(heading: str) -> list[list[str]]:
    section = DOCS.read_text(encoding="utf-8").split(heading, 1)[1]
    section = re.split(r"\n##+ ", section, maxsplit=1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.startswith("saferkit ")]


def test_the_archive_commands_run_and_find_the_picture_in_a_zip_in_a_zip(tmp_path):
    commands = _commands("\n### Archives, disk images, PDFs and frames\n")
    assert [c[:3] for c in commands] == [["saferkit", "data", "synth-drive"], ["saferkit", "hash", "synth/drive"],
                                         ["saferkit", "match", "synth/drive"]]
    for argv in commands:
        result = subprocess.run([sys.executable, "-m", *argv], cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    hashed = {row["path"]: row for row in csv.DictReader(open(tmp_path / "hashes.csv", encoding="utf-8"))}
    assert hashed[NESTED]["parent"] == NESTED.rsplit("!/", 1)[0] and hashed[NESTED]["pdq"]
    matches = [row for row in csv.DictReader(open(tmp_path / "matches.csv", encoding="utf-8")) if row["path"] == NESTED]
    assert "S021" in {row["id"] for row in matches}
