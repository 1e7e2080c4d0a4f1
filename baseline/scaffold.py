"""`saferkit init DIR`: a team's own project, starting from the baseline.

Writes an editable `train.py` (copied from `baseline/starter/`), a commented
`submission.yaml` template whose ethics questions come from `saferkit.ethics`
(the one place they are written), a README of the path to a submission, and a
.gitignore. The folder appears complete or not at all.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template

from rich.console import Console

from saferkit.baseline.config import DEFAULT_IMG_SIZE, INPUT_NAME, MEAN, OUTPUT_NAME, PIXEL_SCALE, RESIZE, STD
from saferkit.baseline.outputs import staged_dir
from saferkit.core.errors import UserError

STARTER = "saferkit.baseline.starter"
GITIGNORE = "data/\nruns/\nsubmission/\nreport/\nscorecard/\nmlruns/\n__pycache__/\n"


def tool_name(text: str) -> str:
    """A schema-valid tool name (lower-case letters, digits, . _ -) from a folder name."""
    name = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-._")[:64]
    if not name:
        raise UserError(f"cannot make a tool name from {text!r}; pass --name with letters or digits.")
    return name


def submission_template(name: str) -> str:
    """submission.yaml with every field explained; export replaces the measured ones."""
    from saferkit.ethics import template as ethics_template

    f = lambda values: "[" + ", ".join(str(v) for v in values) + "]"  # noqa: E731
    return f"""\
# submission.yaml template for {name}: edit the fields marked EDIT.
# `python train.py export RUN --out submission` copies name, version, team, license,
# model_card and ethics from here, and fills in the fields marked EXPORT from the run
# and from measurements on the val split. Contract: `saferkit submission schema`.

schema_version: 1                # the contract version; always 1

# EDIT: tool name (lower-case letters, digits, '.', '_', '-'; used in URLs) and semantic version.
name: {name}
version: 0.1.0

team:
  name: {name} team              # EDIT: your team's name
  # EDIT: an e-mail or URL that answers questions and challenges to results.
  # Example addresses (example.org) are rejected by the ethics gate.
  contact: team@example.org

# EDIT: SPDX licence identifier; the tool must be free for law-enforcement use.
license: Apache-2.0

# EXPORT: binary-triage (flagged or not) or multiclass-triage (marker kinds).
task: binary-triage

# EXPORT: how the harness must prepare an image: resize to height x width with
# `resize`, (letterbox pads to keep the aspect ratio), divide by `scale`, then
# subtract `mean` and divide by `std` per RGB channel; NCHW float32.
input:
  name: {INPUT_NAME}
  height: {DEFAULT_IMG_SIZE}
  width: {DEFAULT_IMG_SIZE}
  color: RGB
  scale: {PIXEL_SCALE}
  mean: {f(MEAN)}
  std: {f(STD)}
  resize: {RESIZE}
  letterbox: false

# EXPORT: the model's output tensor, whether it holds probabilities or logits,
# the label of each column, and which label means "needs review".
output:
  name: {OUTPUT_NAME}
  kind: probabilities
  labels: [clear, flagged]
  positive_label: flagged

# EXPORT: the threshold you recommend and what it was chosen for (recall>=0.95 on val).
operating_point:
  threshold: 0.5
  chosen_for: recall>=0.95 on the val split

# EXPORT: metrics you declare, measured on val; the harness checks them on test.
claims: {{}}

# EXPORT: every data set used in training, with the sha256 of its provenance.json.
training_data:
  - name: your data set
    content: synthetic           # synthetic or benign-proxy, nothing else
    license: CC0-1.0
    provenance_sha256: "{'0' * 64}"

# EDIT: the model card, in your own words and specific to your model.
model_card:
  # What the tool is for and who uses it.
  intended_use: "TODO: what your tool does, for whom, and that its scores order work for trained analysts."
  # Uses that would be wrong or disproportionate.
  out_of_scope_uses: "TODO: decisions about people, automatic reports or deletions, unvalidated real-world use."
  # Known weaknesses: image conditions, sizes, subgroups where it does worse.
  limitations: "TODO: where your model is weak, with the val numbers that show it."
  # How training on synthetic or proxy data may fail on real cases.
  domain_gap: "TODO: what synthetic training misses and how an agency should validate before use."
  # Risks (automation bias, unequal errors) and how you limit them.
  ethical_considerations: "TODO: the risks of your tool and what limits them."
  # Who reviews each result and how a result is overridden.
  human_oversight: "TODO: who reviews each score and how they override it."
  # How a result is challenged, and who answers.
  contestability: "TODO: how to challenge a result and who answers."

{ethics_template()}"""


def scaffold(directory: str | Path, *, name: str | None = None, overwrite: bool = False,
             console: Console | None = None) -> Path:
    """Write the team project into `directory`; returns its path."""
    console = console or Console()
    target = Path(directory).expanduser().resolve()
    tool = tool_name(name or target.name)
    starter = resources.files(STARTER)
    with staged_dir(target, overwrite=overwrite, what="folder") as stage:
        (stage / "train.py").write_text(starter.joinpath("train.py").read_text(encoding="utf-8"), encoding="utf-8")
        readme = Template(starter.joinpath("README.md").read_text(encoding="utf-8")).safe_substitute(name=tool)
        (stage / "README.md").write_text(readme, encoding="utf-8")
        (stage / "submission.yaml").write_text(submission_template(tool), encoding="utf-8")
        (stage / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    console.print(f"created {target}: train.py, submission.yaml, README.md")
    console.print(f"next: cd {directory} && saferkit data synth data && python train.py train data --out runs/first")
    return target
