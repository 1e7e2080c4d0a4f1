"""Every command line of docs/baseline.md, run as written.

The two training lines come from the baseline cache (tests/support/baseline_cache.py), which runs exactly those
words once per key and is shared with README.md's test and the calibration test; `mlflow ui` runs in the
background on a free port and is asked for its health page.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from docs_runner import DocRun, bare, environment, free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from baseline_cache import TRAIN_LINES, copy_documented_baseline  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # (uncached) the baseline's training


def test_every_baseline_md_command_runs_as_written(tmp_path):
    doc = DocRun("docs/baseline.md", tmp_path, environment(tmp_path))
    copy_documented_baseline(tmp_path)
    for words in TRAIN_LINES:
        assert bare(doc.ran_elsewhere(words)) == words  # the cache ran exactly these words
    with doc.serve("mlflow ui", free_port(), "/health"):
        pass
    doc.run("saferkit baseline export runs/base --out submission")
    doc.run("saferkit baseline export runs/base --out submission-int8 --quantize int8")
    assert (tmp_path / "submission-int8" / "model.onnx").is_file()

    doc.run("saferkit init team-blue && cd team-blue")
    doc.cwd = tmp_path / "team-blue"  # the `cd` above, in the reader's shell
    shutil.copytree(tmp_path / "data", doc.cwd / "data")
    assert bare(doc.ran_elsewhere(TRAIN_LINES[0])) == TRAIN_LINES[0]  # the same words: the cache's output
    doc.run_until("saferkit ethics check")
    doc.run("saferkit ethics check", expect=1)  # "the last line exits 1: an untouched template never qualifies"
    assert json.loads((doc.cwd / "scorecard" / "scorecard.json").read_text())["qualified"] is False
    assert json.loads((doc.cwd / "runs" / "first" / "run.json").read_text())["config"]["epochs"] == 2
    doc.finish()
