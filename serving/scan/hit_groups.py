"""Hits as a reviewer should see them: exact and near apart, each picture once with its copies.

Exact hits (MD5/SHA-1/SHA-256 on a list) are grouped by the file's SHA-256:
byte-identical copies sit under one picture. Near hits (PDQ, pHash, ...) are
grouped the same way, then pictures whose PDQ lies within the match threshold
of each other are clustered, so re-encoded or resized copies of one picture
appear together. A file that matched exactly never appears among near hits.
Weak hash types (aHash, dHash, wHash) are never shown as hits unless the scan
was run with them allowed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from saferkit.hashing.algorithms import DEFAULT_THRESHOLDS, is_crypto, is_weak

UNCATEGORISED = "uncategorised"


def split_matches(matches: Iterable[dict[str, Any]], allow_weak: bool = False) -> tuple[list[dict], list[dict]]:
    """(exact, near) matches of one file, weak hash types dropped unless allowed."""
    exact: list[dict] = []
    near: list[dict] = []
    for match in matches or []:
        if is_weak(match["hash_type"]) and not allow_weak:
            continue
        (exact if is_crypto(match["hash_type"]) else near).append(match)
    return exact, near


def _best_per_key(matches: list[dict]) -> dict[tuple[str, str], dict]:
    best: dict[tuple[str, str], dict] = {}
    for match in matches:
        key = (match["list"], match.get("category") or UNCATEGORISED)
        if key not in best or match["distance"] < best[key]["distance"]:
            best[key] = match
    return best


def _picture_key(row: dict[str, Any]) -> str:
    return row.get("sha256") or f"path:{row['path']}"


def group_hits(rows: list[dict[str, Any]], allow_weak: bool = False,
               pdq_threshold: int = DEFAULT_THRESHOLDS["pdq"]) -> tuple[list[dict], list[dict]]:
    """(exact groups, near groups); each group: list, category, files, pictures or clusters."""
    exact_by: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    near_by: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for row in rows:
        exact, near = split_matches(row.get("matches") or [], allow_weak)
        if exact:
            target, chosen = exact_by, exact
        elif near:
            target, chosen = near_by, near
        else:
            continue
        for key, match in _best_per_key(chosen).items():
            picture = target[key].setdefault(_picture_key(row), {
                "sha256": row.get("sha256"), "md5": row.get("md5"), "pdq": row.get("pdq"), "size": row.get("size"),
                "copies": [], "hash_type": match["hash_type"], "distance": match["distance"], "id": match["id"],
                "variant": match.get("variant"), "path": row["path"], "partial": False})
            picture["copies"].append(row["path"])
            picture["partial"] = picture["partial"] or bool(row.get("partial"))  # a carved file, decoded in part
            if match["distance"] < picture["distance"]:
                picture.update(hash_type=match["hash_type"], distance=match["distance"], id=match["id"],
                               variant=match.get("variant"))
    exact_groups = [_group(key, list(pictures.values())) for key, pictures in sorted(exact_by.items())]
    near_groups = []
    for key, pictures in sorted(near_by.items()):
        group = _group(key, list(pictures.values()))
        group["clusters"] = cluster_pictures(group["pictures"], pdq_threshold)
        near_groups.append(group)
    return exact_groups, near_groups


def _group(key: tuple[str, str], pictures: list[dict]) -> dict[str, Any]:
    for picture in pictures:
        picture["copies"].sort()
        picture["path"] = picture["copies"][0]
    pictures.sort(key=lambda p: (p["distance"], p["path"]))
    return {"list": key[0], "category": key[1], "pictures": pictures,
            "files": sum(len(p["copies"]) for p in pictures)}


def cluster_pictures(pictures: list[dict], threshold: int) -> list[dict]:
    """Pictures whose PDQ lies within `threshold` bits of another's, joined (single linkage)."""
    parent = list(range(len(pictures)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    with_pdq = [(i, p["pdq"]) for i, p in enumerate(pictures) if p.get("pdq")]
    for a in range(len(with_pdq)):
        for b in range(a + 1, len(with_pdq)):
            (i, x), (j, y) = with_pdq[a], with_pdq[b]
            if _hex_distance(x, y) <= threshold:
                parent[find(i)] = find(j)
    members: dict[int, list[dict]] = defaultdict(list)
    for i, picture in enumerate(pictures):
        members[find(i)].append(picture)
    clusters: list[dict[str, Any]] = []
    for items in members.values():
        items.sort(key=lambda p: (p["distance"], p["path"]))
        clusters.append({"picture": items[0], "similar": items[1:],
                         "files": sum(len(p["copies"]) for p in items)})
    clusters.sort(key=lambda c: (c["picture"]["distance"], c["picture"]["path"]))
    return clusters


def _hex_distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1") if len(a) == len(b) else 1 << 30
