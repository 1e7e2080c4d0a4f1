"""`saferkit scan export RESULT --to vics|csv|case`: results in the forms agencies' tools import.

- `vics`: Project VIC (VICS 2.0) JSON: one media entry per hashed file with
  integer `MediaID` and `Category`, `MediaSize`, upper-case `MD5`/`SHA1`,
  `RelativeFilePath`, boolean `IsPrecategorized`, and `PDQ` (and `SHA256`) as
  extra hashes; a decoded video has `MediaType` `Video` and its vPDQ frames
  as `VPDQ` lines (the form `saferkit.hashing.video_lists` reads). Nested under a case (`Cases -> Media`, the default) or flat
  (`--flat`: the media list alone). `saferkit hashlist` and `saferkit match`
  read both forms back.
- `csv`: one row per hashed file, hash columns named as IPED's hash-database
  tool and Griffeye read them (`MD5`, `SHA1`, `SHA256`), plus `PDQ`,
  `Category`, `set`, `status` and file details.
- `case`: CASE/UCO JSON-LD provenance: the tool, the scan as an investigative
  action, its input files and its output files with their hashes; valid per
  `case_validate` (case-utils).

Category comes only from an exact (MD5/SHA-1/SHA-256) list match whose list
category is an integer; near matches are marked for review, never categorised.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterator, Optional

from saferkit.core.errors import UserError
from saferkit.hashing.algorithms import is_crypto
from saferkit.hashing.hashlist import VICS_CONTEXT
from saferkit.serving.scan import store

FORMATS = ("vics", "csv", "case")
VICS_CASES_CONTEXT = VICS_CONTEXT.rsplit("#", 1)[0] + "#Cases"
CSV_COLUMNS = ("MD5", "SHA1", "SHA256", "PDQ", "Category", "set", "status", "FileName", "RelativeFilePath",
               "MediaSize", "exact_match", "near_match", "list_ids")
CSV_SET = "saferkit-scan"
STATUS_EXACT = "pedo"  # IPED's status for known illegal material (its alert status)
STATUS_NEAR = "review"


def _rows(result: Path) -> Iterator[dict[str, Any]]:
    table = store.read_rows(result, columns=["path", "size", "md5", "sha1", "sha256", "pdq", "matches", "mtime",
                                                  "media", "vpdq"])
    for row in table.to_pylist():
        if row["md5"] or row["sha256"]:
            yield row


def _relative(path: str, source: Optional[str]) -> str:
    if source:
        try:
            return str(Path(path).relative_to(source))
        except ValueError:
            pass
    return path


def _category(matches: list[dict[str, Any]]) -> tuple[int, bool, bool]:
    """(VICS category, exact hit, near hit): the smallest integer category of an exact match, else 0."""
    exact = [m for m in matches if is_crypto(m["hash_type"])]
    near = [m for m in matches if not is_crypto(m["hash_type"])]
    categories = [int(m["category"]) for m in exact if str(m.get("category") or "").isdigit()]
    return (min(categories) if categories else 0), bool(exact), bool(near)


def media_entries(result: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    source = manifest["settings"].get("source")
    media = []
    for number, row in enumerate(_rows(result), start=1):
        category, exact, _ = _category(row["matches"] or [])
        entry: dict[str, Any] = {"MediaID": number, "Category": category, "MediaSize": int(row["size"] or 0),
                                 "RelativeFilePath": _relative(row["path"], source), "IsPrecategorized": exact}
        if row["md5"]:
            entry["MD5"] = row["md5"].upper()
        if row["sha1"]:
            entry["SHA1"] = row["sha1"].upper()
        if row["sha256"]:
            entry["SHA256"] = row["sha256"].upper()
        if row["pdq"]:
            entry["PDQ"] = row["pdq"]
        if row["media"] == "video":
            entry["MediaType"] = "Video"
            if row["vpdq"]:
                entry["VPDQ"] = row["vpdq"].splitlines()
        media.append(entry)
    return media


def to_vics(result: Path, manifest: dict[str, Any], flat: bool = False) -> dict[str, Any]:
    media = media_entries(result, manifest)
    if flat:
        return {"@odata.context": VICS_CONTEXT, "value": media}
    case = manifest.get("case") or {}
    return {"@odata.context": VICS_CASES_CONTEXT, "value": [{
        "CaseID": 1, "CaseNumber": case.get("case") or "", "Exhibit": case.get("exhibit") or "",
        "Examiner": case.get("examiner") or "", "SourceApplicationName": "saferkit",
        "SourceApplicationVersion": case.get("tool_version") or "", "MediaCount": len(media), "Media": media}]}


def to_csv(result: Path, manifest: dict[str, Any]) -> str:
    source = manifest["settings"].get("source")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in _rows(result):
        matches = row["matches"] or []
        category, exact, near = _category(matches)
        writer.writerow([(row["md5"] or "").upper(), (row["sha1"] or "").upper(), (row["sha256"] or "").upper(),
                         row["pdq"] or "", category, CSV_SET,
                         STATUS_EXACT if exact else (STATUS_NEAR if near else ""), Path(row["path"]).name,
                         _relative(row["path"], source), int(row["size"] or 0), str(exact).lower(),
                         str(near).lower(), ";".join(sorted({f"{m['list']}:{m['id']}" for m in matches}))])
    return out.getvalue()


def export_result(result: Path, to: str, out: Path, flat: bool = False) -> int:
    """Write RESULT as `to` into `out` (whole or not at all); returns the number of files exported."""
    from saferkit.core.atomic import write_json_atomic, write_text_atomic

    result = Path(result)
    if to not in FORMATS:
        raise UserError(f"unknown export format {to!r}; choose vics, csv or case.")
    manifest_file = result / store.MANIFEST_NAME
    if not manifest_file.is_file():
        raise UserError(f"{result} holds no scan result (no {store.MANIFEST_NAME}); pass the --out folder of `saferkit scan`.")
    manifest = store.read_json(manifest_file)
    if to == "vics":
        document = to_vics(result, manifest, flat)
        write_json_atomic(out, document, indent=1)
        return len(document["value"] if flat else document["value"][0]["Media"])
    if to == "csv":
        text = to_csv(result, manifest)
        write_text_atomic(out, text)
        return text.count("\n") - 1
    from saferkit.serving.scan.export_case import case_document

    document = case_document(result, manifest, list(_rows(result)))
    write_json_atomic(out, document, indent=1)
    return sum(1 for node in document["@graph"] if node.get("@type") == "uco-observable:File") - 1


__all__ = ["FORMATS", "export_result", "to_csv", "to_vics"]
