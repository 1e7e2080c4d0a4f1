"""`saferkit hashing bench`: how well each perceptual hash survives each transform.

In the style of the public perceptual-hash benchmarks: every image is hashed,
then every transform x severity of `saferkit.datasets.transforms` is applied
and hashed again. True pairs are (image, its own transformed copy); distinct
pairs are (image, any other image or any other image's transformed copy).
Per algorithm, the threshold is the largest Hamming distance whose
false-positive rate over all distinct pairs stays at or under 1e-4; the recall
of each transform x severity at that threshold is what the tables report.
`pdq+dihedral` is PDQ matched with its eight rotations/mirrors (the smallest
distance of the eight), which is what `saferkit match --dihedral` does.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from saferkit.core.atomic import atomic_path, write_text_atomic
from saferkit.hashing.algorithms import IMAGEHASH_ALGOS
from saferkit.hashing.codes import hamming, hex_to_words, words_for_hex
from saferkit.hashing.errors import HashingError

TARGET_FPR = 1e-4
BENCH_ALGOS = ("pdq", "pdq+dihedral") + IMAGEHASH_ALGOS
GENERATED_SIZE = (320, 240)
CSV_COLUMNS = (
    "algorithm", "transform", "severity", "true_pairs", "true_mean", "true_median", "true_p95", "true_max",
    "distinct_pairs", "distinct_identical", "distinct_min", "distinct_p01", "distinct_median", "threshold", "fpr_at_threshold", "fpr_resolved",
    "recall_at_fpr_1e-4",
)


@dataclass
class BenchResult:
    """Where the outputs went and the rows written."""

    csv_path: Path
    markdown_path: Path
    plot_path: Path
    rows: list[dict[str, Any]]


def _load_transforms():
    try:
        from saferkit.datasets import transforms
    except ImportError as exc:  # the datasets package provides the transforms
        raise HashingError("the robustness benchmark needs saferkit.datasets.transforms, which is not installed in this checkout.") from exc
    return transforms


def _source_images(images: Path | None, count: int, seed: int) -> list[Any]:
    from PIL import Image

    from saferkit.hashing.decode import decode_rgb
    from saferkit.hashing.procedural import procedural_image

    if images is None:
        return [procedural_image(seed + k, GENERATED_SIZE) for k in range(count)]
    if not images.is_dir():
        raise HashingError(f"{images} is not a folder of images; pass --images DIR or leave it out to use generated images.")
    loaded = []
    for path in sorted(p for p in images.rglob("*") if p.is_file()):
        try:
            image = decode_rgb(path.read_bytes())
        except (HashingError, OSError):
            continue
        image.thumbnail((512, 512), Image.Resampling.LANCZOS)
        loaded.append(image)
        if len(loaded) >= count:
            break
    if len(loaded) < 2:
        raise HashingError(f"{images} holds fewer than two readable images; the benchmark needs distinct images to compare.")
    return loaded


def _hash_all(image, algos: Sequence[str]) -> dict[str, list[str]]:
    """Every bench algorithm's hash(es) of one image; PDQ+dihedral keeps all eight."""
    from saferkit.hashing.hashers import hash_image

    plain = [a for a in algos if a in IMAGEHASH_ALGOS or a == "pdq"]
    result = hash_image(image, plain or ["pdq"], dihedral="pdq+dihedral" in algos)
    out = {name: [result[name]] for name in plain}
    if "pdq+dihedral" in algos:
        out["pdq+dihedral"] = result["pdq_dihedral"]
    return out


def _distances(queries: list[list[str]], references: list[str]) -> np.ndarray:
    """(len(queries), len(references)) distances; a query with several variants takes the smallest."""
    words = words_for_hex(len(references[0]))
    ref = hex_to_words(references, words)
    variants = len(queries[0])
    flat = hex_to_words([h for q in queries for h in q], words).reshape(len(queries), variants, words)
    best = hamming(flat[:, 0, None, :], ref[None, :, :])
    for v in range(1, variants):
        best = np.minimum(best, hamming(flat[:, v, None, :], ref[None, :, :]))
    return best


def fpr_threshold(distinct: np.ndarray, target: float = TARGET_FPR) -> tuple[int, float]:
    """Largest threshold whose false-positive rate over `distinct` distances is <= target (-1 if none)."""
    counts = np.bincount(distinct.ravel(), minlength=1025).cumsum() / distinct.size
    allowed = np.nonzero(counts <= target)[0]
    if allowed.size == 0:
        return -1, 0.0
    threshold = int(allowed[-1])
    return threshold, float(counts[threshold])


def run_benchmark(
    images: Path | None = None,
    out: Path = Path("hash-bench"),
    algos: Sequence[str] | None = None,
    count: int = 40,
    transforms: Sequence[str] | None = None,
    seed: int = 0,
    console: Any = None,
) -> BenchResult:
    """Run the sweep and write robustness.csv, robustness.md and robustness.png into `out`."""
    module = _load_transforms()
    names = list(transforms or module.TRANSFORMS)
    unknown = [n for n in names if n not in module.TRANSFORMS]
    if unknown:
        raise HashingError(f"unknown transform(s) {', '.join(unknown)}; choose from {', '.join(module.TRANSFORMS)}.")
    chosen = list(algos or BENCH_ALGOS)
    chosen = [a.strip().lower() for part in chosen for a in part.split(",") if a.strip()]
    bad = [a for a in chosen if a not in BENCH_ALGOS]
    if bad:
        raise HashingError(f"cannot benchmark {', '.join(bad)}; choose from {', '.join(BENCH_ALGOS)} (digests are not perceptual).")
    if count < 2:
        raise HashingError("the benchmark needs at least two images (--count 2 or more).")
    sources = _source_images(images, count, seed)
    grid = [(name, severity) for name in names for severity in module.SEVERITIES]

    originals = _progress_map(console, "hashing originals", sources, lambda im: _hash_all(im, chosen))
    copies: dict[tuple[str, int], list[dict[str, list[str]]]] = {}
    jobs = [(key, i) for key in grid for i in range(len(sources))]

    def transformed(job):
        (name, severity), i = job
        return _hash_all(module.apply_transform(sources[i], name, severity, seed + i), chosen)

    for ((key, _), hashed) in zip(jobs, _progress_map(console, "transforming and hashing", jobs, transformed)):
        copies.setdefault(key, []).append(hashed)

    rows: list[dict[str, Any]] = []
    n = len(sources)
    off_diagonal = ~np.eye(n, dtype=bool)
    for algo in chosen:
        refs = [o[algo][0] for o in originals]
        distinct_parts = [_distances([o[algo] for o in originals], refs)[off_diagonal]]
        true_by_key = {}
        for key in grid:
            dist = _distances([c[algo] for c in copies[key]], refs)
            true_by_key[key] = np.diag(dist)
            distinct_parts.append(dist[off_diagonal])
        distinct = np.concatenate(distinct_parts)
        threshold, fpr = fpr_threshold(distinct)
        for (name, severity), true in true_by_key.items():
            rows.append({
                "algorithm": algo, "transform": name, "severity": severity, "true_pairs": int(true.size),
                "true_mean": round(float(true.mean()), 2), "true_median": float(np.median(true)),
                "true_p95": float(np.percentile(true, 95)), "true_max": int(true.max()),
                "distinct_pairs": int(distinct.size), "distinct_identical": int((distinct == 0).sum()),
                "distinct_min": int(distinct.min()),
                "distinct_p01": float(np.percentile(distinct, 1)), "distinct_median": float(np.median(distinct)),
                "threshold": threshold, "fpr_at_threshold": fpr, "fpr_resolved": distinct.size * TARGET_FPR >= 1,
                "recall_at_fpr_1e-4": round(float((true <= threshold).mean()), 4),
            })
    out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path, plot_path = out / "robustness.csv", out / "robustness.md", out / "robustness.png"
    write_text_atomic(csv_path, _csv_text(rows), newline="")
    write_text_atomic(md_path, _markdown(rows, chosen, names, module.SEVERITIES, n, images))
    _plot(rows, chosen, names, plot_path)
    return BenchResult(csv_path, md_path, plot_path, rows)


def _progress_map(console: Any, label: str, items: list, function) -> list:
    if console is None:
        return [function(item) for item in items]
    from rich.progress import Progress

    results = []
    with Progress(console=console) as progress:
        task = progress.add_task(label, total=len(items))
        for item in items:
            results.append(function(item))
            progress.advance(task)
    return results


def _csv_text(rows: list[dict[str, Any]]) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _markdown(rows, algos, names, severities, n_images: int, images: Path | None) -> str:
    source = f"{n_images} images from {images}" if images else f"{n_images} generated procedural images (no people)"
    lines = [
        "# Perceptual hash robustness",
        "",
        f"Images: {source}. Recall of true pairs at the threshold where the false-positive rate over "
        f"all distinct pairs is at most {TARGET_FPR:g}.",
        "",
    ]
    if rows and not rows[0]["fpr_resolved"]:
        lines += [
            f"**Too few distinct pairs ({rows[0]['distinct_pairs']:,}) to resolve an FPR of {TARGET_FPR:g}**: each "
            "threshold is simply one bit below the closest distinct pair. Use more images (--count) for real figures.",
            "",
        ]
    for algo in algos:
        mine = [r for r in rows if r["algorithm"] == algo]
        lines += [f"## {algo} (threshold {mine[0]['threshold']} bits, {mine[0]['distinct_pairs']:,} distinct pairs, "
                  f"closest distinct pair {mine[0]['distinct_min']} bits)", ""]
        if mine[0]["threshold"] < 0:
            lines += [f"No threshold keeps the false-positive rate at {TARGET_FPR:g}: {mine[0]['distinct_identical']:,} pairs of "
                      "distinct images have identical hashes, so every recall below is 0 by construction.", ""]
        lines.append("| transform | " + " | ".join(f"severity {s}" for s in severities) + " |")
        lines.append("|---|" + "---|" * len(severities))
        for name in names:
            cells = [next(r for r in mine if r["transform"] == name and r["severity"] == s) for s in severities]
            lines.append(f"| {name} | " + " | ".join(f"{c['recall_at_fpr_1e-4']:.2f} (median {c['true_median']:g})" for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _plot(rows, algos, names, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(3, len(algos))
    lines = -(-len(algos) // columns)
    figure, axes = plt.subplots(lines, columns, figsize=(5 * columns, 3.6 * lines), squeeze=False, sharey=True)
    for ax, algo in zip(axes.ravel(), algos):
        for name in names:
            mine = sorted((r for r in rows if r["algorithm"] == algo and r["transform"] == name), key=lambda r: r["severity"])
            ax.plot([r["severity"] for r in mine], [r["recall_at_fpr_1e-4"] for r in mine], marker="o", label=name)
        ax.set_title(algo)
        ax.set_xlabel("severity")
        ax.set_ylabel("recall at FPR 1e-4")
        ax.set_ylim(-0.02, 1.02)
    for ax in axes.ravel()[len(algos):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7, loc="lower left")
    figure.tight_layout()
    with atomic_path(path, suffix=".png") as temporary:
        figure.savefig(temporary, dpi=100)
    plt.close(figure)
