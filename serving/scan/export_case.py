"""A scan result as CASE/UCO JSON-LD: which tool ran which action on which files, producing which outputs.

The graph holds the tool (`uco-tool:Tool`), the examiner when named
(`uco-identity:Person`), the scan as a `case-investigation:InvestigativeAction`
with its start and end times, every scanned file with its hashes as the
action's objects, and every output file of the result with its SHA-256 as the
action's results. Node ids are UUIDs derived from the result's content, so
exporting the same result twice gives the same graph.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from saferkit.serving.scan.custody import CUSTODY_LOG, output_files

CONTEXT = {
    "kb": "http://example.org/kb/",
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "uco-vocabulary": "https://ontology.unifiedcyberontology.org/uco/vocabulary/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
HASH_NAMES = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256"}


def _id(kind: str, *parts: Any) -> str:
    return f"kb:{kind}-{uuid.uuid5(uuid.NAMESPACE_URL, '|'.join(str(p) for p in parts))}"


def _hashes(node_id: str, hashes: dict[str, str]) -> list[dict[str, Any]]:
    return [{"@id": _id("Hash", node_id, name), "@type": "uco-types:Hash",
             "uco-types:hashMethod": HASH_NAMES[name],  # xsd:string, as UCO 1.4 asks
             "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": value.upper()}}
            for name, value in hashes.items() if value]


def _file(path: str, size: int | None, hashes: dict[str, str], seed: str) -> dict[str, Any]:
    node_id = _id("File", seed, path)
    facet: dict[str, Any] = {"@id": _id("FileFacet", node_id), "@type": "uco-observable:FileFacet",
                             "uco-observable:fileName": Path(path).name, "uco-observable:filePath": path}
    if size is not None:
        facet["uco-observable:sizeInBytes"] = {"@type": "xsd:integer", "@value": str(int(size))}
    facets = [facet]
    if any(hashes.values()):
        facets.append({"@id": _id("ContentDataFacet", node_id), "@type": "uco-observable:ContentDataFacet",
                       "uco-observable:hash": _hashes(node_id, hashes)})
    return {"@id": node_id, "@type": "uco-observable:File", "uco-core:hasFacet": facets}


def _time(value: str | None) -> dict[str, str] | None:
    return {"@type": "xsd:dateTime", "@value": value} if value else None


def case_document(result: Path, manifest: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    from saferkit.core.digest import file_sha256

    result = Path(result)
    case = manifest.get("case") or {}
    runs = manifest.get("runs") or [{}]
    seed = f"{manifest.get('created')}|{manifest['settings'].get('source')}"
    tool = {"@id": _id("Tool", "saferkit", case.get("tool_version")), "@type": "uco-tool:Tool",
            "uco-core:name": "saferkit", "uco-tool:version": str(case.get("tool_version") or "")}
    graph: list[dict[str, Any]] = [tool]
    inputs = [_file(row["path"], row.get("size"), {k: row.get(k) or "" for k in HASH_NAMES}, seed) for row in rows]
    files = output_files(result) + [result / name for name in ("manifest.json", CUSTODY_LOG) if (result / name).is_file()]
    outputs = [_file(str(path.relative_to(result)), path.stat().st_size, {"sha256": file_sha256(path)}, seed + "|out")
               for path in files]
    graph += inputs + outputs
    action: dict[str, Any] = {
        "@id": _id("InvestigativeAction", seed), "@type": "case-investigation:InvestigativeAction",
        "uco-core:name": "saferkit scan", "uco-core:description": " ".join(case.get("command_line") or []) or "saferkit scan",
        "uco-action:instrument": {"@id": tool["@id"]},
        "uco-action:object": [{"@id": node["@id"]} for node in inputs],
        "uco-action:result": [{"@id": node["@id"]} for node in outputs],
    }
    for key, value in (("uco-action:startTime", _time(runs[0].get("started"))),
                       ("uco-action:endTime", _time(runs[-1].get("finished")))):
        if value:
            action[key] = value
    if case.get("examiner"):
        person = {"@id": _id("Person", case["examiner"]), "@type": "uco-identity:Person",
                  "uco-core:name": str(case["examiner"])}
        graph.append(person)
        action["uco-action:performer"] = {"@id": person["@id"]}
    graph.append(action)
    if case.get("case"):
        graph.append({"@id": _id("Investigation", case["case"]), "@type": "case-investigation:Investigation",
                      "uco-core:name": str(case["case"]), "uco-core:object": [{"@id": action["@id"]}]})
    return {"@context": CONTEXT, "@graph": graph}
