"""`saferkit scan DIR --out RESULT ...` and `saferkit scan report RESULT --out REPORT.html`.

`scan` is a group whose default sub-command is `run`: when the first word after
`scan` is not a sub-command name, `run` is assumed, so the short form that
agencies type most stays short. Heavy imports wait until a command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import typer
from typer.core import TyperGroup

DEFAULT_COMMAND = "run"
HELP_FLAGS = ("--help", "-h")

SCAN_HELP = """Scan seized media for hash-list hits and rank the rest with models; write a triage report.

\b
  saferkit scan DIR --out RESULT [--model SUB]... [--hashlist LIST]... [--engine local|ray]
  saferkit scan --file-list PATHS.txt --out RESULT ...
  saferkit scan report RESULT --out REPORT.html [--previews]
  saferkit scan verify RESULT [--public-key KEY.pub]
  saferkit scan export RESULT --to vics|csv|case --out FILE

Re-running the same scan command resumes it: finished shards are skipped.
"""


class DefaultRunGroup(TyperGroup):
    """A group that runs `run` when the first argument is not one of its sub-commands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in HELP_FLAGS:
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


scan_app = typer.Typer(cls=DefaultRunGroup, help=SCAN_HELP, no_args_is_help=True, add_completion=False,
                       rich_markup_mode=None)


@scan_app.command("run")
def run_command(
    source: Optional[Path] = typer.Argument(None, metavar="DIR", help="Folder to scan (walked recursively)."),
    out: Path = typer.Option(..., "--out", "-o", help="Result folder: Parquet shards, summary, manifest."),
    file_list: Optional[Path] = typer.Option(None, "--file-list", help="Text file of paths to scan, one a line, instead of DIR."),
    model: list[Path] = typer.Option([], "--model", "-m", help="Submission folder or zip to score with (repeatable)."),
    hashlist: list[Path] = typer.Option([], "--hashlist", "-l", help="Hash list to match against (repeatable; CSV, JSONL, text, VICS)."),
    engine: str = typer.Option("local", "--engine", help="local (worker processes here) or ray (Ray Data)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Worker processes or Ray actors (default: CPU cores); 0 runs in this process."),
    threads: Optional[int] = typer.Option(None, "--threads", help="onnxruntime threads per worker (default: cores / workers)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster (HOST:PORT, ray://HOST:PORT) (default: RAY_ADDRESS, else a local Ray)."),
    shard_size: int = typer.Option(1024, "--shard-size", help="Files per output shard (the unit of resumption)."),
    batch_size: int = typer.Option(32, "--batch-size", help="Files per worker batch (the unit of retry)."),
    max_file_mb: float = typer.Option(256.0, "--max-file-mb", help="Files larger than this are not read (counted as too_large)."),
    algos: Optional[str] = typer.Option(
        None, "--algos",
        help="Hashes to compute, comma separated (default: md5,sha1,sha256,pdq and any other a --hashlist carries; "
             "weak ones only with --allow-weak)."),
    match_threshold: Optional[int] = typer.Option(None, "--match-threshold", help="Hamming distance for perceptual matches (default: per hash type, PDQ 31)."),
    dihedral: bool = typer.Option(False, "--dihedral", help="Also match PDQ rotations and mirrors."),
    max_video_seconds: float = typer.Option(4 * 3600.0, "--max-video-seconds", help="Videos declared longer than this are not decoded (too_large; digests only)."),
    allow_weak: bool = typer.Option(False, "--allow-weak", help="Also match aHash/dHash/wHash list entries (weak: off by default)."),
    follow_symlinks: bool = typer.Option(True, "--follow-symlinks/--no-follow-symlinks", help="Follow symbolic links (loops are detected)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Discard an earlier scan in RESULT instead of resuming it."),
    max_shards: Optional[int] = typer.Option(None, "--max-shards", help="Stop after this many shards; re-run to continue."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show the progress bar."),
    case: Optional[str] = typer.Option(None, "--case", help="Case reference, recorded in the manifest and custody log."),
    exhibit: Optional[str] = typer.Option(None, "--exhibit", help="Exhibit (item) reference of the scanned source."),
    examiner: Optional[str] = typer.Option(None, "--examiner", help="Name or id of the examiner running the scan."),
    examiner_key: Optional[Path] = typer.Option(None, "--examiner-key", help="Examiner's private key (`saferkit hub keygen`) to sign the custody record."),
    scorecard: list[Path] = typer.Option([], "--scorecard", help="scorecard.json of each --model, in order (default: scorecard.json in or beside the submission)."),
    allow_unqualified: bool = typer.Option(False, "--allow-unqualified", help="Use a model that did not qualify; the report then says so."),
    max_depth: int = typer.Option(4, "--max-depth", help="Containers inside containers are opened down to this depth."),
    max_entries: int = typer.Option(10_000, "--max-entries", help="Archive members per scanned file, at every depth."),
    max_unpacked_mb: float = typer.Option(1024.0, "--max-unpacked-mb", help="Bytes unpacked per scanned file, at every depth."),
    max_ratio: float = typer.Option(100.0, "--max-ratio", help="Unpacked / packed bytes of one archive stream (past 4 MB)."),
) -> None:
    """Scan DIR (or --file-list) into RESULT: hashes, list matches, model scores."""
    from rich.console import Console

    from saferkit.core.containers import ArchiveLimits
    from saferkit.serving.scan.runner import ScanOptions, run_scan

    console = Console(stderr=True)
    limits = ArchiveLimits(max_depth=max_depth, max_entries=max_entries, max_total_bytes=int(max_unpacked_mb * 1024 * 1024),
                           max_ratio=max_ratio, max_member_bytes=max(1, int(max_file_mb * 1024 * 1024)))
    summary = run_scan(ScanOptions(
        out=out, source=source, file_list=file_list, models=list(model), hashlists=list(hashlist), engine=engine,
        workers=workers, threads=threads, ray_address=ray_address, shard_size=shard_size, batch_size=batch_size,
        max_bytes=max(1, int(max_file_mb * 1024 * 1024)), algos=[algos] if algos else None,
        match_threshold=match_threshold, dihedral=dihedral, allow_weak=allow_weak, max_video_seconds=max_video_seconds,
        follow_symlinks=follow_symlinks,
        overwrite=overwrite, max_shards=max_shards, progress=progress, scorecards=list(scorecard), allow_unqualified=allow_unqualified,
        case=case, exhibit=exhibit, examiner=examiner, examiner_key=examiner_key,
        command_line=["saferkit", *sys.argv[1:]] if sys.argv and sys.argv[0] else None, archive_limits=limits,
    ), console)
    _print_summary(summary, out)


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"scan {'complete' if summary['complete'] else 'incomplete'}: {out}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files", f"{summary['files_done']:,} of {summary['files_planned']:,}")
    table.add_row("shards", f"{summary['shards_done']} of {summary['shards_planned']}")
    if summary.get("members_done"):
        table.add_row("inside them (members, disk-image files, PDF images, frames)", f"{summary['members_done']:,}")
    table.add_row("images hashed", f"{summary['images_hashed']:,}")
    table.add_row("videos decoded", f"{summary.get('videos_decoded', 0):,}")
    table.add_row("hash-list hits", f"{summary['hash_hits']:,}")
    for name, counts in summary["hits_by_list"].items():
        for category, n in counts.items():
            table.add_row(f"  {name} / {category}", f"{n:,}")
    for key, entry in summary["models"].items():
        unqualified = " (UNQUALIFIED: not evidence)" if key in summary.get("unqualified", []) else ""
        table.add_row(f"scored by {key}{unqualified}", f"{entry['scored']:,} ({entry['flagged']:,} at or above its threshold)")
    for kind, n in summary["errors"].items():
        if n:
            table.add_row(f"problem: {kind}", f"{n:,}")
    for kind, n in summary["skipped"].items():
        if n:
            table.add_row(f"skipped: {kind}", f"{n:,}")
    run = summary.get("last_run", {})
    if run.get("files_per_s"):
        table.add_row("speed this run", f"{run['files_per_s']:,.1f} files/s")
    console.print(table)
    if not summary["complete"]:
        console.print("Run the same command again to continue the scan.")


@scan_app.command("report")
def report_command(
    result: Path = typer.Argument(..., metavar="RESULT", help="Result folder of `saferkit scan`."),
    out: Path = typer.Option(..., "--out", "-o", help="HTML file to write."),
    model: Optional[str] = typer.Option(None, "--model", help="Model key or name to rank by (default: the first)."),
    recall: float = typer.Option(0.95, "--recall", help="Recall to keep when --labels lets it be measured."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="Score threshold to use (default: measured with --labels, else the model's declared one)."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Data set root with manifest.csv (synthetic or proxy) to measure recall."),
    top: int = typer.Option(200, "--top", help="Ranked files listed in the report."),
    previews: bool = typer.Option(False, "--previews/--no-previews", help="Embed tiny blurred greyscale previews, each shown only on click."),
) -> None:
    """Write the triage report: hash hits first, then the ranking and what can be skipped."""
    from saferkit.serving.scan.report import report_facts, write_report

    triage = write_report(result, out, model=model, recall=recall, threshold=threshold, labels_root=labels,
                          top=top, previews=previews)
    facts = report_facts(triage)
    typer.echo(f"wrote {out}: {facts['hash_hit_files']} hash-list hits, {facts['ranked']} ranked, "
               f"{facts['to_review']} to review, {facts['can_skip']} can be skipped.")


@scan_app.command("verify")
def verify_command(
    result: Path = typer.Argument(..., metavar="RESULT", help="Result folder of `saferkit scan`."),
    public_key: Optional[Path] = typer.Option(None, "--public-key", help="Examiner's public key the signature must be made with."),
) -> None:
    """Check RESULT's custody: every output's sha256, the manifest, the hash-chained log and the signature."""
    from saferkit.serving.scan.custody import verify_result

    problems, notes = verify_result(result, public_key)
    for note in notes:
        typer.echo(note)
    for problem in problems:
        typer.echo(f"CHANGED: {problem}")
    if problems:
        typer.echo(f"{result}: {len(problems)} problem(s); this result is not as the scan left it.")
        raise typer.Exit(1)
    typer.echo(f"{result}: verified; every output, the manifest and the custody log are as the scan left them.")


@scan_app.command("export")
def export_command(
    result: Path = typer.Argument(..., metavar="RESULT", help="Result folder of `saferkit scan`."),
    to: str = typer.Option(..., "--to", help="vics (Project VIC JSON), csv (IPED/Griffeye hash set) or case (CASE/UCO JSON-LD)."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write."),
    flat: bool = typer.Option(False, "--flat", help="VICS only: the media list alone instead of nested under the case."),
) -> None:
    """Export RESULT for the tools agencies use: Project VIC JSON, an IPED/Griffeye CSV, CASE/UCO JSON-LD."""
    from saferkit.serving.scan.export import export_result

    count = export_result(result, to, out, flat=flat)
    typer.echo(f"wrote {out}: {count:,} file(s) as {to}.")


def register(app: typer.Typer) -> None:
    """Add `saferkit scan` (with its `report` sub-command) to the root CLI."""
    app.add_typer(scan_app, name="scan")
