"""CLI: `saferkit hash`, `saferkit match`, `saferkit hashlist ...`, `saferkit hashing bench`.

Only argument parsing and printing live here; the work is in the library
modules, imported inside each command so `saferkit --help` stays fast.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)

hashlist_app = typer.Typer(help="Convert and inspect hash lists (CSV, JSONL, HMA text, VICS JSON).", no_args_is_help=True)
hashing_app = typer.Typer(help="Hashing benchmarks and tools.", no_args_is_help=True)

RESUME_HELP = "Keep finished work in OUT.partial/ so that the same command, run again after an interruption, continues where it stopped (needs --out)."
ALGO_HELP = "Algorithms, repeat or comma-separate: md5, sha1, sha256, pdq, phash, dhash, ahash, whash, or all. Default: md5,sha1,sha256,pdq,phash,dhash."


def _policy(exif_transpose: bool, alpha: str, max_pixels: Optional[int]):
    from saferkit.hashing.decode import MAX_IMAGE_PIXELS, DecodePolicy

    return DecodePolicy(exif_transpose=exif_transpose, alpha=alpha, max_pixels=max_pixels or MAX_IMAGE_PIXELS, partial=True)


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=False)


@contextmanager
def _progress_bar(paths: List[Path], label: str) -> Iterator[Callable[[dict], None]]:
    """A bar over the files a run will write rows for; yields the per-row callback."""
    from saferkit.hashing.bulk import count_files

    total = count_files(paths)  # also raises at once for a path that does not exist
    with _progress() as progress:
        task = progress.add_task(label, total=total)
        yield lambda row: None if row.get("parent") else progress.advance(task)


def _print_summary(summary: Any, out: Optional[Path]) -> None:
    table = Table(title="hashing summary", show_header=False)
    table.add_row("files", str(summary.files))
    table.add_row("members, files in disk images, PDF images, frames", str(summary.members))
    table.add_row("hashed", str(summary.hashed))
    for kind, count in sorted(summary.errors.items()):
        table.add_row(f"error: {kind}", str(count))
    table.add_row("PDQ quality < 50 (kept, flagged)", str(summary.low_quality))
    if out:
        table.add_row("written to", str(out))
    console.print(table)


def hash_command(
    paths: List[Path] = typer.Argument(..., help="Files or folders (walked recursively)."),
    algo: Optional[List[str]] = typer.Option(None, "--algo", "-a", help=ALGO_HELP),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (.csv or .jsonl). Default: CSV on standard output."),
    fmt: Optional[str] = typer.Option(None, "--format", help="csv or jsonl (default: from the --out extension)."),
    workers: int = typer.Option(0, "--workers", "-j", help="Processes to use (0 = all cores)."),
    hash_size: int = typer.Option(8, "--hash-size", help="Side of the pHash/dHash/aHash/wHash grid: 8 gives 64-bit hashes."),
    dihedral: bool = typer.Option(False, "--dihedral", help="Also write the eight PDQ rotation/mirror variants."),
    exif_transpose: bool = typer.Option(False, "--exif-transpose", help="Hash the image as viewers show it (EXIF orientation applied). Default: raw pixel order, like the PDQ reference."),
    alpha: str = typer.Option("drop", "--alpha", help="Transparent pixels: drop (keep the colours under them, as the PDQ reference does) or white (composite onto white)."),
    max_pixels: Optional[int] = typer.Option(None, "--max-pixels", help="Refuse images with more pixels than this (decompression bombs). Default: 100,000,000."),
    resume: bool = typer.Option(False, "--resume", help=RESUME_HELP),
) -> None:
    """Hash files: PDQ, pHash/dHash/aHash/wHash and MD5/SHA-1/SHA-256 from one read and one decode; archives,
    disk images, PDFs and frames are opened as the scan opens them, each thing held a row with its parent."""
    from saferkit.hashing.algorithms import normalize_algos
    from saferkit.hashing.bulk import hash_to_file, require_resume_target

    require_resume_target(out, resume)
    names = normalize_algos(algo)
    policy = _policy(exif_transpose, alpha, max_pixels)
    with _progress_bar(paths, "hashing") as on_row:
        summary = hash_to_file(paths, out, names, fmt=fmt, workers=workers or None, policy=policy, hash_size=hash_size,
                               dihedral=dihedral, on_row=on_row, resume=resume)
    _print_summary(summary, out)


def match_command(
    paths: List[Path] = typer.Argument(..., help="Files or folders to check (walked recursively)."),
    lists: List[Path] = typer.Option(..., "--list", "-l", help="Hash list(s) to match against (CSV, JSONL, text, VICS JSON, or a folder from `hashlist prepare`); repeat for several."),
    threshold: Optional[int] = typer.Option(None, "--threshold", "-t", help="Hamming threshold in bits for perceptual hashes (default: PDQ 31, pHash/dHash 10, aHash/wHash 8). Digests match exactly."),
    dihedral: bool = typer.Option(False, "--dihedral", help="Also match the eight PDQ rotations/mirrors of each file."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write every match (and every file error) to this CSV or JSONL file."),
    strict: bool = typer.Option(False, "--strict", help="Fail on the first malformed list line instead of skipping it."),
    list_format: Optional[str] = typer.Option(None, "--list-format", help="Format of the lists: csv, jsonl, text, vics (default: from extension)."),
    hash_type: Optional[str] = typer.Option(None, "--hash-type", help="Hash type of one-hash-per-line text lists (default: from the length)."),
    workers: int = typer.Option(0, "--workers", "-j", help="Processes to use (0 = all cores)."),
    exif_transpose: bool = typer.Option(False, "--exif-transpose", help="Hash images as viewers show them (EXIF orientation applied)."),
    resume: bool = typer.Option(False, "--resume", help=RESUME_HELP),
    allow_weak: bool = typer.Option(False, "--allow-weak", help="Also match aHash, dHash and wHash entries (weak: distinct pictures share them)."),
) -> None:
    """Match files, and what archives, disk images, PDFs and animations hold, against hash lists: exact digests,
    PDQ and 64-bit perceptual hashes by Hamming distance."""
    from saferkit.hashing.bulk import match_to_file, require_resume_target
    from saferkit.hashing.matcher import HashMatcher

    require_resume_target(out, resume)
    matcher = HashMatcher(lists, strict=strict, fmt=list_format, hash_type=hash_type, allow_weak=allow_weak)
    for loaded in matcher.lists:
        console.print(loaded.note(allow_weak), highlight=False)
    policy = _policy(exif_transpose, "drop", None)
    with _progress_bar(paths, "matching") as on_row:
        summary = match_to_file(paths, matcher, out, threshold=threshold, dihedral=dihedral, workers=workers or None,
                                policy=policy, on_row=on_row, resume=resume)
    _print_summary(summary, out)
    console.print(f"{summary.matched_files} of {summary.files} file(s) matched ({summary.matched_rows} row(s) with "
                  f"their members and frames); {summary.matches} match(es) in all.")


@hashlist_app.command("convert")
def hashlist_convert(
    source: Path = typer.Argument(..., help="List to read."),
    target: Path = typer.Argument(..., help="List to write."),
    from_format: Optional[str] = typer.Option(None, "--from", help="csv, jsonl, text or vics (default: from the extension)."),
    to_format: Optional[str] = typer.Option(None, "--to", help="csv, jsonl, text or vics (default: from the extension)."),
    strict: bool = typer.Option(False, "--strict", help="Fail on the first malformed line instead of skipping it."),
    hash_type: Optional[str] = typer.Option(None, "--hash-type", help="Hash type for one-hash-per-line text input (default: its header, else from the length)."),
    only: Optional[str] = typer.Option(None, "--only", help="Write only these hash types, comma separated (a text list holds one type; VICS has no pHash/dHash/aHash/wHash)."),
) -> None:
    """Convert a hash list between CSV, JSONL, one-hex-per-line text and VICS JSON (streamed, lossless or refused)."""
    from saferkit.hashing.hashlist import only_types, read_hashlist, write_hashlist
    from saferkit.hashing.errors import HashingError

    if source.resolve() == target.resolve():
        raise HashingError("the output would overwrite the input; choose another output path.")
    reader = read_hashlist(source, from_format, strict=strict, hash_type=hash_type)
    records = only_types(reader, only.split(",")) if only else reader
    written = write_hashlist(records, target, to_format)
    console.print(f"wrote {written:,} hash(es) to {target}; read {reader.read:,}, skipped {reader.skipped:,} malformed line(s).")
    _print_errors(reader)


def _print_errors(reader: Any) -> None:
    for line, message in reader.errors[:10]:
        console.print(f"  line {line}: {message}", highlight=False)
    if reader.skipped > 10:
        console.print(f"  ... and {reader.skipped - 10:,} more.")


@hashlist_app.command("info")
def hashlist_info(
    source: Path = typer.Argument(..., help="List to describe."),
    fmt: Optional[str] = typer.Option(None, "--format", help="csv, jsonl, text or vics (default: from the extension)."),
    strict: bool = typer.Option(False, "--strict", help="Fail on the first malformed line."),
    hash_type: Optional[str] = typer.Option(None, "--hash-type", help="Hash type for one-hash-per-line text lists."),
) -> None:
    """Count a list's hashes by type, category and source, and report malformed lines."""
    from collections import Counter

    from saferkit.hashing.hashlist import read_hashlist

    reader = read_hashlist(source, fmt, strict=strict, hash_type=hash_type)
    types: Counter = Counter()
    categories: Counter = Counter()
    sources: Counter = Counter()
    for record in reader:
        types[record.hash_type] += 1
        if len(categories) < 1000 or record.category in categories:
            categories[record.category or "(none)"] += 1
        if len(sources) < 1000 or record.source in sources:
            sources[record.source or "(none)"] += 1
    table = Table(title=f"{source} ({reader.fmt})")
    table.add_column("field")
    table.add_column("value")
    table.add_column("count", justify="right")
    table.add_row("hashes", "", f"{reader.read:,}")
    table.add_row("malformed lines skipped", "", f"{reader.skipped:,}")
    for label, counter in (("hash type", types), ("category", categories), ("source", sources)):
        for value, count in counter.most_common(20):
            table.add_row(label, value, f"{count:,}")
    Console().print(table)
    _print_errors(reader)


@hashlist_app.command("build")
def hashlist_build(
    hashes: Path = typer.Argument(..., help="Output of `saferkit hash` (.csv or .jsonl)."),
    target: Path = typer.Argument(..., help="List to write (.csv, .jsonl, .txt or .json for VICS)."),
    algo: Optional[List[str]] = typer.Option(None, "--algo", "-a", help="Hashes to put on the list (default: every column present except the weak aHash, dHash, wHash)."),
    category: str = typer.Option("", "--category", help="Category for every entry."),
    source: str = typer.Option("", "--source", help="Source for every entry."),
    to_format: Optional[str] = typer.Option(None, "--to", help="csv, jsonl, text or vics (default: from the extension)."),
) -> None:
    """Make a hash list from `saferkit hash` output (rows with errors are left out; ids are the paths)."""
    from saferkit.hashing.algorithms import LIST_ALGOS, normalize_algos
    from saferkit.hashing.rowfile import read_rows
    from saferkit.hashing.hashlist import records_from_rows, write_hashlist

    names = normalize_algos(algo) if algo else LIST_ALGOS
    written = write_hashlist(records_from_rows(read_rows(hashes), names, category=category, source=source), target, to_format)
    console.print(f"wrote {written:,} hash(es) to {target}")


@hashlist_app.command("prepare")
def hashlist_prepare(
    lists: List[Path] = typer.Argument(..., help="Lists to load (CSV, JSONL, text, VICS JSON)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write; pass it to `saferkit match --list` later."),
    strict: bool = typer.Option(False, "--strict", help="Fail on the first malformed line instead of skipping it."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Format of the lists (default: from the extension)."),
    hash_type: Optional[str] = typer.Option(None, "--hash-type", help="Hash type of one-hash-per-line text lists."),
) -> None:
    """Parse lists once into a memory-mapped index folder, so big lists open instantly in `saferkit match`."""
    from saferkit.hashing.matcher import HashMatcher

    matcher = HashMatcher(lists, strict=strict, fmt=fmt, hash_type=hash_type)
    matcher.save(out)
    skipped = sum(loaded.skipped for loaded in matcher.lists)
    console.print(f"prepared {len(matcher):,} hash(es) from {len(lists)} list(s) in {out}; skipped {skipped:,} malformed line(s).")


@hashing_app.command("bench")
def hashing_bench(
    images: Optional[Path] = typer.Option(None, "--images", help="Folder of permitted images (default: a generated set of procedural images, no people)."),
    out: Path = typer.Option(Path("hash-bench"), "--out", help="Folder for robustness.csv, robustness.md and robustness.png."),
    algo: Optional[List[str]] = typer.Option(None, "--algo", "-a", help="Perceptual algorithms to test (default: pdq, phash, dhash, ahash, whash)."),
    count: Optional[int] = typer.Option(None, "--count", help="Images to use (generated, or the first N of --images; default 40), or clips with --video (default 8)."),
    transforms: Optional[List[str]] = typer.Option(None, "--transform", help="Transforms to test (default: all of saferkit.datasets.transforms)."),
    seed: int = typer.Option(0, "--seed", help="Seed for generated images and transforms."),
    video: bool = typer.Option(False, "--video", help="Benchmark video matching instead (MD5, vPDQ): synthetic clips and the video transforms."),
) -> None:
    """Robustness of each perceptual hash to each transform x severity: distances, recall at FPR 1e-4, threshold."""
    from saferkit.hashing.errors import HashingError
    from saferkit.hashing.robustness import run_benchmark

    if video:
        from saferkit.hashing.video_bench import run_video_benchmark

        if images is not None or algo:
            raise HashingError("--video uses generated clips and its own methods; drop --images and --algo.")
        done = run_video_benchmark(out=out, count=count or 8, transforms=transforms, seed=seed, console=console)
        console.print(f"wrote {done.csv_path} and {done.markdown_path}")
        return

    result = run_benchmark(images=images, out=out, algos=algo, count=count or 40, transforms=transforms, seed=seed, console=console)
    console.print(f"wrote {result.csv_path}, {result.markdown_path} and {result.plot_path}")


def register(app: typer.Typer) -> None:
    """Add `hash`, `match`, `hashlist` and `hashing` to the root CLI."""
    app.command("hash")(hash_command)
    app.command("match")(match_command)
    app.add_typer(hashlist_app, name="hashlist")
    app.add_typer(hashing_app, name="hashing")

