"""`run_scan`: plan once, skip finished shards, run an engine, write shards, summarise.

The driver (this module) owns every write: engines only return rows. That
keeps the output identical whichever engine ran, and lets a shard be written
whole, under a temporary name renamed into place, the moment its last batch
is back.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import pyarrow as pa
from rich.console import Console

from saferkit.core import plan as scan_plan
from saferkit.core.containers import ArchiveLimits
from saferkit.core.errors import UserError
from saferkit.core.digest import file_sha256
from saferkit.serving.scan import custody
from saferkit.serving.scan import manifest as scan_manifest
from saferkit.serving.scan import store
from saferkit.serving.scan.local_engine import LocalEngine
from saferkit.serving.scan.progress import scan_progress
from saferkit.serving.scan.rowfields import in_plan_order, listed_files
from saferkit.serving.scan.summary import summarize
from saferkit.serving.scan.walk import list_source
from saferkit.core.video import MAX_VIDEO_SECONDS, VideoLimits
from saferkit.serving.scan.worker import DEFAULT_MAX_BYTES, WorkerConfig, model_keys, share_lists

ENGINES = ("local", "ray")
DEFAULT_SHARD_SIZE = 1024
DEFAULT_BATCH_SIZE = 32


@dataclass
class ScanOptions:
    """Everything `saferkit scan` accepts; see docs/scan.md for each option."""

    out: Path
    source: Optional[Path] = None
    file_list: Optional[Path] = None
    models: list[Path] = field(default_factory=list)
    hashlists: list[Path] = field(default_factory=list)
    engine: str = "local"
    workers: Optional[int] = None
    threads: Optional[int] = None
    ray_address: Optional[str] = None
    shard_size: int = DEFAULT_SHARD_SIZE
    batch_size: int = DEFAULT_BATCH_SIZE
    max_bytes: int = DEFAULT_MAX_BYTES
    algos: Optional[list[str]] = None
    match_threshold: Optional[int] = None
    dihedral: bool = False
    allow_weak: bool = False  # aHash/dHash/wHash list entries match (off by default since issue 21)
    follow_symlinks: bool = True
    overwrite: bool = False
    max_shards: Optional[int] = None
    progress: bool = True
    case: Optional[str] = None
    exhibit: Optional[str] = None
    examiner: Optional[str] = None
    examiner_key: Optional[Path] = None  # private key (`saferkit hub keygen`) that signs the custody record
    command_line: Optional[list[str]] = None  # as typed, for the manifest
    scorecards: list[Path] = field(default_factory=list)  # one per model, in order; else looked up beside each
    allow_unqualified: bool = False  # use a model that did not qualify (the CLI's --allow-unqualified); it is marked either way
    archive_limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    max_video_seconds: float = MAX_VIDEO_SECONDS  # declared duration; a longer video is a too_large row (digests only)


def _check_options(options: ScanOptions) -> None:
    if options.engine not in ENGINES:
        raise UserError(f"unknown engine {options.engine!r}; use local or ray.")
    for name in ("shard_size", "batch_size", "max_bytes"):
        if getattr(options, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1.")
    if options.workers is not None and options.workers < 0:
        raise UserError("--workers must be 0 (in this process) or more.")
    if not options.max_video_seconds > 0:
        raise UserError("--max-video-seconds must be above 0, for example 14400 (4 hours).")
    if options.max_shards is not None and options.max_shards < 1:
        raise UserError("--max-shards must be at least 1.")
    if options.examiner_key is not None:
        from saferkit.core.keys import public_key_of

        public_key_of(Path(options.examiner_key))  # a missing or unusable key fails before any work
    for path in options.hashlists:
        if not Path(path).is_file():
            raise UserError(f"hash list {path} does not exist; pass a list written by `saferkit hash` or another tool.")


def _settings(options: ScanOptions) -> tuple[dict[str, Any], WorkerConfig, Any]:
    """Load and check models and lists in this process, so mistakes surface before any worker starts;
    also returns the lists loaded (a `HashMatcher`, or None), which forked workers then share."""
    from saferkit.evaluation.submission import load_submission
    from saferkit.hashing.algorithms import normalize_algos, scan_algos

    from saferkit.serving.qualification import check_models

    submissions = [load_submission(path) for path in options.models]
    keys = model_keys(submissions)
    qualified = check_models([(key, Path(path), sub.sha256) for key, path, sub in zip(keys, options.models, submissions)],
                             list(options.scorecards), allow_unqualified=options.allow_unqualified)
    loaded: list[Any] = []
    matcher = None
    if options.hashlists:
        from saferkit.hashing import HashMatcher

        matcher = HashMatcher([str(Path(p).resolve()) for p in options.hashlists], allow_weak=options.allow_weak)
        loaded = matcher.lists  # raises a UserError for a bad list
    listed_types = {name for described in loaded for name in described.rows}
    algos = list(normalize_algos(options.algos) if options.algos else scan_algos(listed_types, options.allow_weak))
    settings = {
        "source": str(Path(options.source).resolve()) if options.source else None,
        "file_list": str(Path(options.file_list).resolve()) if options.file_list else None,
        "models": [{**described, "qualification": qualified[described["key"]]} for described in
                   scan_manifest.describe_models([str(p) for p in options.models], submissions, keys)],
        "hashlists": scan_manifest.describe_lists([str(p) for p in options.hashlists], loaded),
        "algos": algos,
        "archive_limits": asdict(options.archive_limits),
        "shard_size": options.shard_size,
        "batch_size": min(options.batch_size, options.shard_size),
        "max_bytes": options.max_bytes,
        "match_threshold": options.match_threshold,
        "dihedral": options.dihedral,
        "allow_weak": options.allow_weak,
        "max_video_seconds": options.max_video_seconds,
        "follow_symlinks": options.follow_symlinks,
    }
    config = WorkerConfig(
        submissions=tuple(str(Path(p).resolve()) for p in options.models),
        hashlists=tuple(str(Path(p).resolve()) for p in options.hashlists),
        algos=tuple(algos),
        max_bytes=options.max_bytes,
        match_threshold=options.match_threshold,
        dihedral=options.dihedral,
        allow_weak=options.allow_weak,
        video_limits=VideoLimits(max_bytes=options.max_bytes, max_seconds=options.max_video_seconds),
        model_keys=tuple(keys),
        archive_limits=options.archive_limits,
    )
    return settings, config, matcher


def _prepare_out(out: Path, overwrite: bool) -> Optional[dict[str, Any]]:
    """The existing manifest when OUT holds a scan to resume; None when OUT is new or emptied."""
    manifest_file = out / store.MANIFEST_NAME
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file; --out must be a folder for the scan result.")
    if out.is_dir() and not manifest_file.is_file():
        entries = list(out.iterdir())
        if entries and all(p.name == store.PLAN_NAME or p.name.endswith(".tmp") for p in entries):
            for leftover in entries:  # a first run stopped while planning: start it again
                leftover.unlink()
    if out.is_dir() and any(out.iterdir()):
        if not manifest_file.is_file():
            raise UserError(f"{out} is not empty and holds no scan; choose a new or empty folder for --out.")
        if overwrite:
            shutil.rmtree(out)
            return None
        return store.read_json(manifest_file)
    return None


def _new_plan(options: ScanOptions, settings: dict[str, Any], console: Console) -> dict[str, Any]:
    with console.status("listing files...") as status:
        listed = list_source(options.source, options.file_list, follow_symlinks=options.follow_symlinks,
                             on_listed=lambda n: status.update(f"listing files... {n:,}"))
    table = scan_plan.build_plan(listed, settings["shard_size"], settings["batch_size"])
    n_shards = (len(listed) + settings["shard_size"] - 1) // settings["shard_size"]
    options.out.mkdir(parents=True, exist_ok=True)
    scan_plan.write_plan(table, options.out)
    manifest = scan_manifest.new_manifest(settings, len(listed), n_shards)
    manifest["case"] = custody.case_details(options.case, options.exhibit, options.examiner, options.command_line,
                                            options.source)
    store.write_json(manifest, options.out / store.MANIFEST_NAME)  # written last: its presence means a valid plan
    return manifest


def _make_engine(options: ScanOptions, config: WorkerConfig):
    """The chosen engine; local workers x threads must fit the cores, as for the server."""
    from saferkit.serving.threads import available_cores, plan_threads

    cores = available_cores()
    if options.engine == "ray":
        from saferkit.serving.scan.ray_engine import RayEngine

        return RayEngine(_with_threads(config, options.threads or 1), options.workers or cores, options.ray_address)
    workers = cores if options.workers is None else options.workers
    if workers == 0:
        threads = options.threads or cores
    elif workers > cores:  # scans of slow network storage may want more processes than cores; one thread each
        threads = options.threads or 1
    else:
        threads = plan_threads(workers, options.threads, cores).threads
    return LocalEngine(_with_threads(config, threads), workers)


def _with_threads(config: WorkerConfig, threads: int) -> WorkerConfig:
    from dataclasses import replace

    return replace(config, threads=threads)


def run_scan(options: ScanOptions, console: Optional[Console] = None) -> dict[str, Any]:
    """Scan (or resume scanning) into `options.out`; returns the summary."""
    console = console or Console(stderr=True)
    options.out = Path(options.out)
    _check_options(options)
    settings, config, matcher = _settings(options)
    for described in settings["hashlists"]:
        console.print(described["note"], highlight=False)
    for model in settings["models"]:
        if not model["qualification"]["qualified"]:
            console.print(f"[bold red]warning:[/] model {model['key']} did not qualify "
                          f"({model['qualification']['reason']}); the report will say so.", highlight=False)
    engine = _make_engine(options, config)
    engine.preflight()  # an unreachable cluster fails before anything is listed or written
    manifest = _prepare_out(options.out, options.overwrite)
    resumed = manifest is not None
    if manifest is not None:
        scan_manifest.check_resumable(manifest, settings, options.out)
        _check_same_case(manifest, options)
        scan_plan.remove_leftovers(options.out)
    share_lists(config, matcher)  # forked workers take the lists loaded above instead of reading them again
    engine.warm_up()  # local workers start importing and loading while the files are listed
    if manifest is None:
        try:
            manifest = _new_plan(options, settings, console)
        except BaseException:
            engine.cool_down()
            share_lists(config, None)
            raise
    plan = scan_plan.load_plan(options.out)
    sizes = scan_plan.shard_sizes(plan)
    done = store.finished_shards(options.out)
    todo = sorted(set(sizes) - done)
    if options.max_shards is not None:
        todo = todo[: options.max_shards]
    batches = scan_plan.batches_for(plan, set(todo))
    details = custody.case_details(options.case, options.exhibit, options.examiner, options.command_line,
                                   options.source)
    run = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "resumed": resumed,
           **engine.describe(), "shards_skipped": len(done), "shards_written": 0, "files": 0,
           **{k: details[k] for k in ("examiner", "host", "tool_version", "command_line", "source_read_only")}}
    custody.append(options.out, {"event": "run-started", "resumed": resumed, **details,
                                 "plan_sha256": file_sha256(options.out / store.PLAN_NAME)})
    if resumed and done:
        console.print(f"resuming: {len(done)} of {len(sizes)} shards already finished, skipping them.")
    started = time.perf_counter()
    status = "complete"
    try:
        _run_engine(engine, batches, sizes, options, console, run)
    except KeyboardInterrupt:
        status = "interrupted"
        raise UserError(
            f"interrupted: {len(store.finished_shards(options.out))} of {len(sizes)} shards are written in "
            f"{options.out}; run the same command again to resume.", exit_code=130) from None
    except BaseException:
        status = "failed"
        raise
    finally:
        share_lists(config, None)
        elapsed = time.perf_counter() - started
        run.update(status=status if len(store.finished_shards(options.out)) == len(sizes) or status != "complete"
                   else "partial", finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   seconds=round(elapsed, 3), files_per_s=round(run["files"] / elapsed, 2) if elapsed > 0 else None)
        manifest.setdefault("runs", []).append(run)
        if options.engine == "ray":
            manifest["software"] = scan_manifest.software_versions(("ray",))
        summary = summarize(options.out, manifest)
        summary["last_run"] = run
        store.write_json(summary, options.out / store.SUMMARY_NAME)
        manifest["custody"] = {"log": custody.CUSTODY_LOG, "files": custody.output_digests(options.out),
                               "signed": options.examiner_key is not None}
        store.write_json(manifest, options.out / store.MANIFEST_NAME)
        custody.seal(options.out, run["status"], options.examiner_key, options.examiner)
    return summary


def _check_same_case(manifest: dict[str, Any], options: ScanOptions) -> None:
    """A resumed scan belongs to the same case and exhibit as the run that started it."""
    recorded = manifest.get("case") or {}
    for name in ("case", "exhibit"):
        given, before = getattr(options, name), recorded.get(name)
        if given is not None and before is not None and given != before:
            raise UserError(f"{options.out} is the scan of {name} {before!r}, not {given!r}; "
                            "resume it with the same --case and --exhibit, or choose a new --out.")


def _run_engine(engine: Any, batches: list[scan_plan.Batch], sizes: dict[int, int], options: ScanOptions,
                console: Console, run: dict[str, Any]) -> None:
    total = sum(len(batch.files) for batch in batches)
    parts: dict[int, list[pa.Table]] = {}
    back: dict[int, int] = {}  # listed files back per unfinished shard
    with scan_progress(console, options.progress) as progress:
        task = progress.add_task(f"scanning ({engine.name})", total=total)
        for batch, table in engine.run(batches):
            files = listed_files(table)
            parts.setdefault(batch.shard, []).append(table)
            back[batch.shard] = back.get(batch.shard, 0) + files
            if back[batch.shard] == sizes[batch.shard]:
                del back[batch.shard]
                rows = in_plan_order(pa.concat_tables(parts.pop(batch.shard)))
                target = store.shard_path(options.out, batch.shard)
                store.write_table(rows, target)
                custody.append(options.out, {"event": "shard-written", "file": str(target.relative_to(options.out)),
                                             "sha256": file_sha256(target), "rows": len(rows)})
                run["shards_written"] += 1
            run["files"] += files
            progress.advance(task, files)
