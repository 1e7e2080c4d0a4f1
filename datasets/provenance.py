"""The provenance gate: no data enters the kit without a valid provenance file.

Every loader calls `require_provenance`. A folder is usable only when its
`provenance.json` says the content is synthetic or a benign proxy, names the
source, licence and who permitted its use, and attests that it holds no sexual
or abuse material and no identifiable children.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.core.jsonfile import read_json_file

PROVENANCE_NAME = "provenance.json"
PERMITTED_CONTENT = ("synthetic", "benign-proxy")
REQUIRED_FIELDS = ("content", "source", "license", "permitted_by", "attestation")
REQUIRED_ATTESTATIONS = ("no_sexual_or_abuse_material", "no_identifiable_children")


class ProvenanceError(UserError):
    """A data folder lacks a valid provenance file; the kit refuses to read it."""


def provenance_problems(record: Any) -> list[str]:
    """Everything wrong with a parsed provenance record (empty when it is valid)."""
    if not isinstance(record, dict):
        return ["it must be a JSON object"]
    problems = [f"missing field '{name}'" for name in REQUIRED_FIELDS if record.get(name) in (None, "")]
    content = record.get("content")
    if content not in (None, "") and content not in PERMITTED_CONTENT:
        problems.append(f"'content' is {content!r}; it must be one of {', '.join(PERMITTED_CONTENT)}")
    attestation = record.get("attestation")
    if attestation not in (None, ""):
        if not isinstance(attestation, dict):
            problems.append("'attestation' must be an object")
        else:
            for name in REQUIRED_ATTESTATIONS:
                if attestation.get(name) is not True:
                    problems.append(f"'attestation.{name}' must be true")
    return problems


def require_provenance(root: str | Path) -> dict[str, Any]:
    """Return the folder's provenance record, or raise ProvenanceError naming what is wrong."""
    root = Path(root)
    if not root.is_dir():
        raise ProvenanceError(f"{root} is not a folder; pass a data folder that holds {PROVENANCE_NAME}.")
    path = root / PROVENANCE_NAME
    if not path.is_file():
        raise ProvenanceError(
            f"{root} has no {PROVENANCE_NAME}; the kit reads only synthetic or permitted benign-proxy data. "
            f"Add one (see `saferkit data check --help`) or generate data with `saferkit data synth`."
        )
    record = read_json_file(path, what="provenance file", remedy="fix or replace it", error=ProvenanceError)
    problems = provenance_problems(record)
    if problems:
        raise ProvenanceError(f"{path} is not a valid provenance file: {'; '.join(problems)}.")
    return record


def provenance_sha256(root: str | Path) -> str:
    """sha256 of the provenance file's bytes: what submissions and reports cite."""
    return hashlib.sha256((Path(root) / PROVENANCE_NAME).read_bytes()).hexdigest()
