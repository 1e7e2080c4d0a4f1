"""`saferkit serve`: one command to put qualifying submissions behind an HTTP endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from saferkit.serving.config import DEFAULT_FORMATS, DEFAULT_PORT, LOOPBACK_HOST


def serve(
    submissions: list[Path] = typer.Argument(..., help="Submission folders or .zip files to serve, each under its name."),
    hashlist: list[Path] = typer.Option([], "--hashlist", help="Hash list to match against (repeatable)."),
    host: str = typer.Option(LOOPBACK_HOST, help="Address to bind. Anything but loopback needs API keys."),
    port: int = typer.Option(DEFAULT_PORT, help="Port to listen on."),
    api_keys: Optional[Path] = typer.Option(None, "--api-keys", help="File with one API key a line "
                                            "(also read: SAFERKIT_API_KEYS, comma-separated)."),
    provider: str = typer.Option("auto", help="Execution provider: auto (CUDA when usable), cpu or cuda."),
    workers: Optional[int] = typer.Option(None, help="Batches run at once, across all models (default: one "
                                          "per core up to 4 cores, else cores // 4)."),
    threads: Optional[int] = typer.Option(None, help="Threads per batch (default: cores // workers)."),
    max_batch_size: int = typer.Option(32, help="Most images in one dynamic batch."),
    max_queue_delay_ms: float = typer.Option(5.0, help="Longest a request waits for others to share its batch."),
    max_body_mb: float = typer.Option(32.0, help="Largest request body, in MiB."),
    max_pixels: Optional[int] = typer.Option(None, help="Largest image (width x height) accepted; bigger ones are "
                                             "refused before decoding. Default: the hashing package's limit."),
    max_images: int = typer.Option(64, help="Most images in one request."),
    formats: str = typer.Option(",".join(DEFAULT_FORMATS), help="Image formats accepted (PIL names)."),
    rate_limit: float = typer.Option(50.0, help="Requests per second per API key (0: no limit)."),
    rate_burst: int = typer.Option(100, help="Requests a key may send at once above its rate."),
    audit_log: Path = typer.Option(Path("saferkit-audit.jsonl"), help="Append-only audit log (JSON lines)."),
    audit_key: Optional[Path] = typer.Option(None, "--audit-key", help="Private key (`saferkit hub keygen`) that "
                                             "signs the audit chain's head after every line, so that lines cut from "
                                             "its end are seen by `verify-audit --public-key`."),
    match_threshold: Optional[int] = typer.Option(None, help="Default Hamming threshold for /v1/match."),
    docs: bool = typer.Option(False, "--docs", help="Serve the interactive API page at /docs (and the "
                              "OpenAPI document without a key)."),
    scorecard: list[Path] = typer.Option([], "--scorecard", help="scorecard.json of each submission, in order "
                                         "(default: scorecard.json in or beside the submission)."),
    allow_unqualified: bool = typer.Option(False, "--allow-unqualified", help="Serve a model that did not qualify; "
                                           "every response then says so."),
) -> None:
    """Serve submissions over HTTP: Open Inference Protocol v2, triage, hashing and matching."""
    from rich.console import Console

    from saferkit.serving.app import create_app, load_state
    from saferkit.serving.config import serve_config
    from saferkit.serving.keys import session_keys
    from saferkit.serving.server import serve_forever

    console = Console(stderr=True)
    config = serve_config(
        formats=formats, max_batch_size=max_batch_size, max_queue_delay_ms=max_queue_delay_ms, max_body_mb=max_body_mb,
        max_images=max_images, max_pixels=max_pixels, provider=provider, workers=workers, threads=threads,
        rate_limit=rate_limit, rate_burst=rate_burst, audit_log=audit_log, audit_key=audit_key, docs=docs,
        match_threshold=match_threshold)
    session = session_keys(api_keys, host)
    with console.status("loading and checking submissions"):
        state = load_state(submissions, hashlist, config, session.keys, scorecard, allow_unqualified)
    from saferkit.serving.qualification import unqualified_note

    warning = unqualified_note(state.qualification)
    if warning:
        console.print(f"[bold red]warning:[/] {warning}", highlight=False)
    app = create_app(state)
    plan = state.models.plan
    for model in state.models.models.values():
        console.print(f"model [bold]{model.name}[/] {model.version}  sha256 {model.sha256[:16]}…  "
                      f"providers {', '.join(model.runner.providers)}")
    console.print(f"{plan.workers} worker(s) x {plan.threads} thread(s) on {plan.cores} cores; "
                  f"batches up to {max_batch_size} images or {max_queue_delay_ms:g} ms")
    for loaded in getattr(state.matcher, "lists", []):
        console.print(loaded.note(), highlight=False)
    console.print(f"audit log: {audit_log.resolve()}")
    if session.generated:
        console.print(f"no API keys configured: this session's key is [bold]{session.generated}[/] "
                      "(send it as 'Authorization: Bearer KEY'; it changes on every start)")
    console.print(f"listening on http://{host}:{port} (v2 at /v2, triage at /v1/models/NAME/triage"
                  f"{', docs at /docs' if docs else ''}); Ctrl-C stops")
    serve_forever(app, host, port)


SERVE_HELP = """Serve qualified submissions over HTTP; check the audit log of a server.

\b
  saferkit serve SUB... [--hashlist LIST]... OPTIONS
  saferkit serve verify-audit AUDIT.jsonl
"""


def verify_audit(
    log: Path = typer.Argument(..., metavar="AUDIT_LOG", help="The --audit-log file of `saferkit serve`."),
    public_key: Optional[Path] = typer.Option(None, "--public-key", help="The public key of the server's "
                                              "--audit-key: its signed head (AUDIT_LOG.head.json) is then required."),
) -> None:
    """Check the audit log's hash chain: name every line removed or edited; exit 1 when any is."""
    from saferkit.serving.audit import head_path
    from saferkit.serving.audit import verify_audit as check

    problems, count, head = check(log, public_key)
    for problem in problems:
        typer.echo(f"CHANGED: {problem}")
    if problems:
        typer.echo(f"{log}: {len(problems)} problem(s) in {count:,} line(s); the log was altered.")
        raise typer.Exit(1)
    if head_path(log).exists():
        typer.echo(f"{log}: {count:,} line(s), chain intact; head {head}, as the server signed it.")
    else:
        typer.echo(f"{log}: {count:,} line(s), chain intact; head {head}. (Without a signed head, lines cut from "
                   "the end leave no trace: run the server with --audit-key to have one.)")


def register(app: typer.Typer) -> None:
    """Add `saferkit serve` (with `verify-audit`) to the root CLI; `serve SUB...` runs the server."""
    from saferkit.serving.scan_commands import DefaultRunGroup

    serve_app = typer.Typer(cls=DefaultRunGroup, help=SERVE_HELP, no_args_is_help=True, add_completion=False,
                            rich_markup_mode=None)
    serve_app.command("run")(serve)
    serve_app.command("verify-audit")(verify_audit)
    app.add_typer(serve_app, name="serve")
