"""The kit's baseline as a reader gets it: the documented commands run once per key, their outputs cached.

`saferkit data synth data --n 6000` and `saferkit baseline train data --out runs/base` (the first lines of
docs/baseline.md and of README.md's quick start) run as written, in a shell with `saferkit` on PATH, in a
scratch folder; its `data/` and `runs/base/` are kept under $SAFERKIT_CALIBRATION_CACHE (default: the temp
folder)/baseline-<key>. The key is a digest of those lines, the kit's version and the source of the packages
they run (datasets, baseline), so a change to the data or the training retrains. Training takes 4-9 minutes
on 2 cores; a cached run is a folder copy. The calibration test and the docs tests share it, so the suite
trains the baseline once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE_ENV = "SAFERKIT_CALIBRATION_CACHE"
TRAIN_LINES = ("saferkit data synth data --n 6000", "saferkit baseline train data --out runs/base")
OUTPUTS = ("data", "runs/base")
# The drive and video builders and the demo stage take no part in `data synth` or training: a change to them
# does not retrain (a training takes 5-9 minutes on 2 cores).
NOT_IN_TRAINING = ("drive", "video", "demo_stage")


def cache_key() -> str:
    from saferkit import __version__

    digest = hashlib.sha256(repr((__version__, TRAIN_LINES)).encode())
    for package in ("datasets", "baseline"):
        for source in sorted((REPO / package).rglob("*.py")):
            if source.name.startswith(NOT_IN_TRAINING):
                continue
            digest.update(source.relative_to(REPO).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    base = Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "saferkit-calibration")
    return base / f"baseline-{cache_key()}"


def _shell_env(folder: Path) -> dict[str, str]:
    """PATH with a `saferkit` that is this checkout's interpreter, as a reader's installed one would be."""
    bin_dir = folder / ".bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    wrapper = bin_dir / "saferkit"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m saferkit "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def documented_baseline() -> Path:
    """The cache folder holding `data/` and `runs/base/`, made by running TRAIN_LINES as written when missing."""
    root = cache_root()
    if not (root / "runs" / "base" / "run.json").is_file():
        building = root.with_name(root.name + f".building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        env = _shell_env(building)
        for line in TRAIN_LINES:
            done = subprocess.run(["bash", "-c", line], cwd=building, env=env, capture_output=True, text=True, timeout=3600)
            if done.returncode != 0:
                raise AssertionError(f"{line}\n{done.stdout}\n{done.stderr}")
        shutil.rmtree(building / ".bin")
        shutil.rmtree(root, ignore_errors=True)
        building.rename(root)
    return root


def copy_documented_baseline(target: Path) -> None:
    """Put the cached `data/` and `runs/base/` into `target`, as if TRAIN_LINES had just run there."""
    import json

    root = documented_baseline()
    for name in OUTPUTS:
        shutil.copytree(root / name, target / name, symlinks=True)
    run_file = target / "runs" / "base" / "run.json"  # it records where its data was: here now, as if trained here
    record = json.loads(run_file.read_text(encoding="utf-8"))
    record["data"]["root"] = str((target / "data").resolve())
    run_file.write_text(json.dumps(record, indent=2), encoding="utf-8")


if __name__ == "__main__":
    print(documented_baseline())
