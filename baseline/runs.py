"""A training run folder: what it holds and how export knows it is finished.

`run.json` is written last, after the model weights, so its presence with
`status: finished` and a matching weights digest is the mark of a usable run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.core.jsonfile import read_json_file
from saferkit.core.digest import file_sha256

RUN_FILE = "run.json"
WEIGHTS_FILE = "model.pt"
RUN_FORMAT = "saferkit-baseline-run/1"
FINISHED = "finished"


@dataclass(frozen=True)
class FinishedRun:
    """A run that export can trust: its record and its weights file."""

    root: Path
    record: dict[str, Any]

    @property
    def weights(self) -> Path:
        return self.root / self.record["weights_file"]

    @property
    def config(self) -> dict[str, Any]:
        return self.record["config"]

    @property
    def labels(self) -> list[str]:
        return list(self.record["labels"])

    @property
    def data(self) -> dict[str, Any]:
        return self.record["data"]


def read_finished_run(run_dir: str | Path) -> FinishedRun:
    """The run in `run_dir`, or UserError saying why it cannot be exported."""
    root = Path(run_dir).expanduser().resolve()
    retrain = f"train one with `saferkit baseline train DATA --out {run_dir}`"
    if not root.is_dir():
        raise UserError(f"{run_dir} is not a folder; {retrain}.")
    record_path = root / RUN_FILE
    if not record_path.is_file():
        raise UserError(f"{run_dir} holds no finished training run (no {RUN_FILE}); {retrain}.")
    record = read_json_file(record_path, what="the run record", remedy=retrain)
    if not isinstance(record, dict) or record.get("format") != RUN_FORMAT:
        raise UserError(f"{record_path} is not a saferkit baseline run record; {retrain}.")
    if record.get("status") != FINISHED:
        raise UserError(f"the run in {run_dir} did not finish (status {record.get('status')!r}); {retrain}.")
    run = FinishedRun(root=root, record=record)
    if not run.weights.is_file():
        raise UserError(f"{run_dir} has no model weights ({record['weights_file']}); {retrain}.")
    if file_sha256(run.weights) != record.get("weights_sha256"):
        raise UserError(f"{run.weights} does not match the digest in {RUN_FILE} (changed or damaged); {retrain}.")
    return run
