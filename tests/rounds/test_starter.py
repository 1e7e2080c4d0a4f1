"""The starter's train.py: any torchvision classifier by name, batch augmentation, and a logits export that stays valid."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO_PARENT = str(Path(__file__).resolve().parents[2].parent)


def _python(args, cwd):
    env = {**os.environ, "PYTHONPATH": REPO_PARENT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=900)


@pytest.mark.slow
def test_starter_trains_another_arch_and_exports_logits(tmp_path, rk, run_cli):
    from saferkit.evaluation.check import check_submission
    from saferkit.evaluation.compare import SharedSplit, scores_of_submission

    data = tmp_path / "data"
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate

    generate(data, make_config(n=160, seed=2, size=32), workers=1)
    assert run_cli("init", str(tmp_path / "team")).returncode == 0
    project = tmp_path / "team"
    trained = _python(["train.py", "train", str(data), "--out", "runs/m", "--arch", "mobilenet_v3_small", "--epochs", "1",
                       "--img-size", "32", "--batch-size", "16", "--workers", "0"], cwd=project)
    assert trained.returncode == 0, trained.stderr[-2000:]
    import json

    assert json.loads((project / "runs/m/run.json").read_text())["config"]["arch"] == "mobilenet_v3_small"
    assert _python(["train.py", "export", "runs/m", "--out", "probs", "--views", "1"], cwd=project).returncode == 0
    exported = _python(["train.py", "export", "runs/m", "--out", "logits", "--views", "1", "--logits"], cwd=project)
    assert exported.returncode == 0, exported.stderr[-2000:]
    manifest = yaml.safe_load((project / "logits" / "submission.yaml").read_text())
    assert manifest["output"]["kind"] == "logits" and check_submission(project / "logits").ok
    # The harness turns the logits back into the same scores as the probabilities model.
    split = SharedSplit.load(data)
    a = scores_of_submission(project / "probs", split).scores
    b = scores_of_submission(project / "logits", split).scores
    assert np.abs(a - b).max() < 1e-4
    bad = _python(["train.py", "train", str(data), "--out", "runs/x", "--arch", "resnet_18"], cwd=project)
    assert bad.returncode != 0 and "did you mean" in bad.stderr and "Traceback" not in bad.stderr
