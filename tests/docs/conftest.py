"""The docs tests run each document's command lines with tests/evidence/docs_runner.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evidence"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # reader_files
