"""Demo stage: hash the synthetic set, list a sample of it, match edited copies, report the rate."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

LIST_SAMPLE = 40  # images put on the demo list
DECOYS = 40  # images not on the list, edited the same way (should not match)
EDITS = (("jpeg", 3), ("downscale", 2), ("brightness", 2), ("mirror", 1))
LIST_ALGOS = ("md5", "pdq", "phash")


def _images(ctx: Any) -> list[Path]:
    """The synthetic set's images, or a few procedural ones when no data stage ran."""
    data_dir = ctx.artifacts.get("data_dir")
    if data_dir and Path(data_dir).is_dir():
        found = sorted(p for p in Path(data_dir).rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
        if found:
            return found
    from saferkit.hashing.procedural import write_procedural_set

    ctx.console.print("no synthetic set from the datasets stage: generating procedural images instead")
    return write_procedural_set(ctx.out / "hashing" / "procedural", LIST_SAMPLE + DECOYS, size=(256, 192))


def _edit(image, name: str, severity: int, seed: int):
    try:
        from saferkit.datasets.transforms import apply_transform
    except ImportError:  # datasets not installed: a plain re-encode and resize stand in
        return image.resize((max(8, image.width * 3 // 4), max(8, image.height * 3 // 4)))
    return apply_transform(image, name, severity, seed)


def run(ctx: Any) -> None:
    """Write hashes.csv, demo-list.csv and matches.csv under ctx.out/hashing; share the list path."""
    from saferkit.core.media import load_rgb
    from saferkit.hashing.bulk import hash_paths, hash_to_file
    from saferkit.hashing.hashlist import records_from_rows, write_hashlist
    from saferkit.hashing.matcher import HashMatcher

    folder = ctx.out / "hashing"
    folder.mkdir(parents=True, exist_ok=True)
    images = _images(ctx)
    hashes_path = folder / "hashes.csv"
    summary = hash_to_file(images, hashes_path, ["md5", "sha256", "pdq", "phash", "dhash"])
    ctx.console.print(f"hashed {summary.hashed} of {summary.files} images ({sum(summary.errors.values())} errors, "
                      f"{summary.low_quality} with PDQ quality < 50, kept and flagged)")

    rng = random.Random(0)
    picked = rng.sample(images, min(len(images), LIST_SAMPLE + DECOYS))
    listed, decoys = picked[:LIST_SAMPLE], picked[LIST_SAMPLE:]
    listed_rows = list(hash_paths(listed, LIST_ALGOS, workers=1))
    list_path = folder / "demo-list.csv"
    write_hashlist(records_from_rows(listed_rows, LIST_ALGOS, category="demo-known", source="saferkit-demo"), list_path)

    copies = folder / "edited-copies"
    copies.mkdir(exist_ok=True)
    queries: list[tuple[Path, bool]] = []
    for k, path in enumerate(listed + decoys):
        original = load_rgb(path)
        for name, severity in EDITS:
            target = copies / f"{'listed' if k < len(listed) else 'decoy'}-{k:03d}-{name}{severity}.png"
            _edit(original, name, severity, k).save(target)
            queries.append((target, k < len(listed)))

    matcher = HashMatcher([list_path])
    rows = list(hash_paths([q for q, _ in queries], LIST_ALGOS, workers=1, dihedral=True))
    results = matcher.match_many(rows, dihedral=True)
    hits = sum(1 for (_, on_list), found in zip(queries, results) if on_list and found)
    false_hits = sum(1 for (_, on_list), found in zip(queries, results) if not on_list and found)
    n_listed = sum(1 for _, on_list in queries if on_list)
    matches_path = folder / "matches.csv"
    _write_matches(matches_path, rows, results)
    rate = hits / n_listed if n_listed else 0.0
    ctx.console.print(f"match rate: {hits} of {n_listed} edited copies of listed images matched ({rate:.0%}); "
                      f"{false_hits} of {len(queries) - n_listed} edited decoys matched by mistake")
    ctx.artifacts["hashlist_path"] = list_path
    ctx.artifacts["listed_image"] = Path(listed[0]) if listed else None  # serving's demo matches it over HTTP
    ctx.record("hashing", f"hashes of {summary.files} images (PDQ, pHash, dHash, MD5, SHA-256)", hashes_path)
    ctx.record("hashing", f"demo hash list ({len(listed)} images: MD5, PDQ, pHash)", list_path)
    ctx.record("hashing", f"matches: {rate:.0%} of edited listed copies, {false_hits} false matches", matches_path)


def _write_matches(path: Path, rows: list[dict], results: list[list[dict]]) -> None:
    from saferkit.hashing.bulk import RowWriter

    columns = ["path", "list", "id", "hash_type", "distance", "variant", "category"]
    with RowWriter(path, columns) as writer:
        for row, found in zip(rows, results):
            for match in found:
                writer.write({"path": row["path"], **match})
