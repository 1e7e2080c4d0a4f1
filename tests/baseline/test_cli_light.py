"""The core install must not need torch: loading the CLI (and --help) imports none of it."""

from __future__ import annotations

import os
import subprocess
import sys

from baseline_support import REPO_PARENT, run_cli


def test_cli_import_loads_no_torch_or_mlflow():
    code = ("import sys, saferkit.cli, saferkit.baseline.commands; "
            "heavy = [m for m in ('torch', 'torchvision', 'mlflow') if m in sys.modules]; "
            "assert not heavy, heavy")
    env = {**os.environ, "PYTHONPATH": REPO_PARENT}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr


def test_baseline_help_lists_train_and_export_and_init_is_top_level():
    result = run_cli("baseline", "--help")
    assert result.returncode == 0 and "train" in result.stdout and "export" in result.stdout
    top = run_cli("--help")
    assert " init " in top.stdout and " baseline " in top.stdout
