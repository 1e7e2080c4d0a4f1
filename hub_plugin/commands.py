"""`saferkit hub ...`: keys, publishing, the catalogue server and its administration."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console()
hub_app = typer.Typer(help="Publish qualified tools to a hub catalogue, or run a catalogue server.",
                      no_args_is_help=True)

API_KEY_HELP = "API key for the hub (or set SAFERKIT_HUB_API_KEY)."
DB_HELP = "Catalogue database: a SQLite file path or a URL such as postgresql://user:pass@host/db."


@hub_app.command()
def keygen(
    out: Path = typer.Option(Path("hub-key.pem"), "--out", help="Private key file; the public key goes beside it as .pub."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing key files."),
) -> None:
    """Make an elliptic-curve (P-256) key pair for signing what you publish."""
    from saferkit.core.keys import generate_keypair, public_key_sha256

    private, public = generate_keypair(out, overwrite=overwrite)
    console.print(f"private key: {private} (keep it secret)\npublic key:  {public} "
                  f"(give it to the catalogue operator)\nfingerprint: {public_key_sha256(public.read_bytes())}")


@hub_app.command()
def publish(
    submission: Path = typer.Argument(..., help="Submission folder or .zip."),
    report: Path = typer.Option(..., "--report", help="report.json from `saferkit evaluate` (or its folder)."),
    scorecard: Path = typer.Option(..., "--scorecard", help="scorecard.json from the ethics gate (or its folder)."),
    hub: str = typer.Option(..., "--hub", help="Catalogue URL (http://...), or a folder for a signed bundle."),
    key: Path = typer.Option(Path("hub-key.pem"), "--key", help="Your private key from `saferkit hub keygen`."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="SAFERKIT_HUB_API_KEY", help=API_KEY_HELP),
    listing: Optional[Path] = typer.Option(None, "--listing", help="YAML with categories, users, translations, ..."),
    publisher: Optional[str] = typer.Option(None, "--publisher", help="Publisher plugin by name (default: by --hub)."),
) -> None:
    """Sign and publish a tool the ethics gate qualified (refused otherwise, saying why)."""
    from saferkit.hub_plugin.publish import publish as run_publish

    result = run_publish(submission, report, scorecard, hub, key=key, api_key=api_key, listing=listing,
                         publisher=publisher)
    verb = "published" if result.status == "published" else "already published, nothing changed"
    console.print(f"{result.id} {result.version}: {verb} -> {result.location}")


@hub_app.command()
def push(
    bundle: Path = typer.Argument(..., help="A signed bundle folder (from the bundle publisher)."),
    hub: str = typer.Option(..., "--hub", help="Catalogue URL."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="SAFERKIT_HUB_API_KEY", help=API_KEY_HELP),
    publisher: Optional[str] = typer.Option(None, "--publisher", help="Publisher plugin by name."),
) -> None:
    """Send an already signed bundle (for example carried across an air gap) to a catalogue."""
    from saferkit.hub_plugin.bundle import open_bundle
    from saferkit.hub_plugin.publishers import select_publisher

    signed = open_bundle(bundle)
    result = select_publisher(hub, publisher)(hub, api_key=api_key).publish(signed)
    console.print(f"{result.id} {result.version}: {result.status} -> {result.location}")


@hub_app.command()
def verify(
    bundle: Path = typer.Argument(..., help="A signed bundle folder."),
    public_key: Path = typer.Option(..., "--public-key", help="The publisher's public key you trust."),
) -> None:
    """Check a bundle's signature offline; names any file that changed."""
    from saferkit.core.errors import UserError
    from saferkit.hub_plugin.bundle import read_entry
    from saferkit.hub_plugin.signing import verify_bundle

    if not public_key.is_file():
        raise UserError(f"{public_key} does not exist; pass the publisher's .pub file.")
    signed = verify_bundle(bundle, public_key.read_bytes())
    entry = read_entry(bundle)
    console.print(f"signature valid: {entry.get('id')} {entry.get('version')}, {len(signed)} signed files")


@hub_app.command()
def schema() -> None:
    """Print the catalogue entry JSON Schema."""
    import json

    from saferkit.hub_plugin.schema import entry_schema

    typer.echo(json.dumps(entry_schema(), indent=2, ensure_ascii=False))


@hub_app.command("list")
def list_entries(
    hub: str = typer.Option(..., "--hub", help="Catalogue URL."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="SAFERKIT_HUB_API_KEY", help=API_KEY_HELP),
    category: Optional[str] = typer.Option(None, help="Purpose or technology category."),
    cost: Optional[str] = typer.Option(None, help="free or free-for-law-enforcement."),
    deployment: Optional[str] = typer.Option(None, help="on-premise, offline, cpu, gpu, no-network, data-stays."),
    language: Optional[str] = typer.Option(None, help="Entries translated into this language (ar, en, fr, ...)."),
    q: Optional[str] = typer.Option(None, "--search", help="Text search over names, summaries and model cards."),
    lang: str = typer.Option("en", "--lang", help="Show summaries in this language (English where untranslated)."),
) -> None:
    """List the catalogue (latest active version of each tool)."""
    from saferkit.hub_plugin.client import HubClient, print_catalogue

    data = HubClient(hub, api_key).list(category=category, cost=cost, deployment=deployment, language=language, q=q)
    print_catalogue(console, data, lang)


@hub_app.command()
def withdraw(
    tool_id: str = typer.Argument(..., help="Tool id."),
    version: str = typer.Argument(..., help="Version to withdraw."),
    reason: str = typer.Option(..., "--reason", help="Why (shown to readers beside the version)."),
    hub: str = typer.Option(..., "--hub", help="Catalogue URL."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="SAFERKIT_HUB_API_KEY", help=API_KEY_HELP),
) -> None:
    """Withdraw a published version: it stays in the catalogue, marked withdrawn with the reason."""
    from saferkit.hub_plugin.client import HubClient

    record = HubClient(hub, api_key).withdraw(tool_id, version, reason)
    console.print(f"{tool_id} {record['version']}: {record['status']} ({record['withdrawn_reason']})")


@hub_app.command()
def serve(
    db: str = typer.Option("saferkit-hub.db", "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default)."),
    port: int = typer.Option(8700, "--port", help="TCP port."),
    max_upload_mb: int = typer.Option(64, "--max-upload-mb", min=1, help="Largest bundle accepted."),
    public_pages: bool = typer.Option(False, "--public-pages", help="Let anyone read the web pages without a key."),
) -> None:
    """Run the reference catalogue server (JSON API and web pages)."""
    from saferkit.hub_plugin.server.api import HubSettings
    from saferkit.hub_plugin.server.run import serve as run_serve

    run_serve(db, host, port, HubSettings(max_upload_bytes=max_upload_mb * 1024 * 1024, public_pages=public_pages))


@hub_app.command("add-publisher")
def add_publisher(
    name: str = typer.Argument(..., help="Publisher (team or vendor) name."),
    public_key: Path = typer.Option(..., "--public-key", help="The publisher's .pub file."),
    db: str = typer.Option("saferkit-hub.db", "--db", help=DB_HELP),
) -> None:
    """Register a publisher and its public key; prints its API key once."""
    from saferkit.core.errors import UserError
    from saferkit.hub_plugin.server.store import Catalogue

    if not public_key.is_file():
        raise UserError(f"{public_key} does not exist; pass the publisher's .pub file.")
    catalogue = Catalogue(db)
    try:
        typer.echo(catalogue.add_publisher(name, public_key.read_bytes()))
    finally:
        catalogue.close()


@hub_app.command("add-reader")
def add_reader(
    label: str = typer.Argument(..., help="Who the key is for (an agency, a person)."),
    db: str = typer.Option("saferkit-hub.db", "--db", help=DB_HELP),
) -> None:
    """Issue a reader API key; prints it once."""
    from saferkit.hub_plugin.server.store import Catalogue

    catalogue = Catalogue(db)
    try:
        typer.echo(catalogue.add_reader(label))
    finally:
        catalogue.close()


def register(app: typer.Typer) -> None:
    """Add the `hub` group to the root CLI."""
    app.add_typer(hub_app, name="hub")
