"""Warnings for a submission that still reads like the template it came from.

`submission check` accepts these (the contract is met) but says so, because the
ethics gate and the hub page read the same text: a model card that says
`TODO`, a contact at an example domain, or a README that describes a training
path other than the one the submission declares make the catalogue wrong.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any, Iterator

from saferkit.evaluation.submission import README_FILE, Problem, archive_prefix

PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|EDIT)\b|lorem ipsum", re.IGNORECASE)
EXAMPLE_DOMAIN = re.compile(r"\bexample\.(org|com|net)\b", re.IGNORECASE)
BASELINE_NAME = "saferkit-baseline"  # baseline/submission_yaml.py's name; evaluation may not import baseline
BASELINE_TRAINING = "saferkit baseline train"
MAX_README_BYTES = 1024 * 1024


def _strings(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in the manifest with its dotted path."""
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{where}[{index}]")


def read_readme(path: str | Path) -> str | None:
    """README.md of a submission folder or .zip as text, or None when it has none (or it is not UTF-8 text)."""
    path = Path(path)
    try:
        if path.is_dir():
            readme = path / README_FILE
            data = readme.read_bytes() if readme.is_file() and readme.stat().st_size <= MAX_README_BYTES else None
        else:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                member = archive_prefix(names) + README_FILE
                fits = member in names and archive.getinfo(member).file_size <= MAX_README_BYTES
                data = archive.read(member) if fits else None
        return data.decode("utf-8") if data is not None else None
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError):
        return None


def placeholder_warnings(manifest: Any, readme: str | None) -> list[Problem]:
    """Template text left in submission.yaml or README.md, example contacts, and a README about another tool's training."""
    found: list[Problem] = []
    for where, text in _strings(manifest if isinstance(manifest, dict) else {}):
        mark = PLACEHOLDER.search(text)
        if mark:
            found.append(Problem(f"submission.yaml: {where}", f"still holds placeholder text ('{mark.group(0)}'); write what is true of your tool, the hub page shows it"))
        domain = EXAMPLE_DOMAIN.search(text)
        if domain:
            found.append(Problem(f"submission.yaml: {where}", f"is an example address ('{domain.group(0)}'); give a contact that reaches your team, or results cannot be contested"))
    if readme is not None:
        mark = PLACEHOLDER.search(readme)
        if mark:
            found.append(Problem(README_FILE, f"still holds placeholder text ('{mark.group(0)}'); finish it or remove it"))
        name = manifest.get("name") if isinstance(manifest, dict) else None
        if BASELINE_TRAINING in readme and isinstance(name, str) and name != BASELINE_NAME:
            found.append(Problem(
                README_FILE,
                f"says the model was trained by `{BASELINE_TRAINING}`, the reference baseline's path, but this submission is '{name}'; "
                "describe how your model was trained (e.g. `python train.py train ...`) or the README misleads its readers",
            ))
    return found
