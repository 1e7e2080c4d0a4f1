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
    registry: Optional[Path] = typer.Option(None, "--registry", envvar="SAFERKIT_HUB_REGISTRY",
                                            help="The folder catalogue's registry of accredited evaluators and profiles."),
) -> None:
    """Sign and publish a tool the ethics gate qualified, judged by an accredited evaluator (refused otherwise, saying why)."""
    from saferkit.hub_plugin.publish import publish as run_publish

    result = run_publish(submission, report, scorecard, hub, key=key, api_key=api_key, listing=listing,
                         publisher=publisher, registry=registry)
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
    bundle: Path = typer.Argument(..., help="A signed bundle folder, or the .zip a catalogue page offers."),
    public_key: Path = typer.Option(..., "--public-key", help="The publisher's public key you trust."),
    registry: Optional[Path] = typer.Option(None, "--registry", envvar="SAFERKIT_HUB_REGISTRY",
                                            help="Registry of accredited evaluators and profiles (JSON)."),
) -> None:
    """Check a bundle offline: publisher signature, gate, and the evaluator's signed chain."""
    from saferkit.core.errors import UserError
    from saferkit.hub_plugin.registry import RegistryFile
    from saferkit.hub_plugin.chain import vetting_summary
    from saferkit.hub_plugin.client import vetting_lines
    from saferkit.hub_plugin.verify import verify_published

    if not public_key.is_file():
        raise UserError(f"{public_key} does not exist; pass the publisher's .pub file.")
    trusted = RegistryFile(registry).load() if registry else None
    verified = verify_published(bundle, public_key.read_bytes(), trusted)
    entry = verified.entry
    console.print(f"signature valid: {entry.get('id')} {entry.get('version')}, {len(verified.signed_files)} signed files",
                  highlight=False)
    for line in vetting_lines(vetting_summary(verified.chain)):
        console.print(f"  {line}", highlight=False)
    if trusted is None:
        console.print("chain valid; accreditation not checked: pass --registry (the catalogue serves it at "
                      "/api/v1/registry).", highlight=False)
    else:
        console.print(f"chain valid: accredited evaluator and profile in {registry}", highlight=False)


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
    task: Optional[str] = typer.Option(None, "--task", help="binary-triage or multiclass-triage."),
    license: Optional[str] = typer.Option(None, "--license", help="SPDX licence id, e.g. Apache-2.0."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Qualified under this accredited profile."),
    lang: str = typer.Option("en", "--lang", help="Show summaries in this language (English where untranslated)."),
) -> None:
    """List the catalogue (latest active version of each tool)."""
    from saferkit.hub_plugin.client import HubClient, print_catalogue

    data = HubClient(hub, api_key).list(category=category, cost=cost, deployment=deployment, language=language, q=q,
                                        task=task, license=license, profile=profile)
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
    tls_cert: Optional[Path] = typer.Option(None, "--tls-cert", help="Serve HTTPS with this PEM certificate (with --tls-key)."),
    tls_key: Optional[Path] = typer.Option(None, "--tls-key", help="The certificate's PEM private key."),
) -> None:
    """Run the reference catalogue server (JSON API and web pages)."""
    from saferkit.hub_plugin.server.api import HubSettings
    from saferkit.hub_plugin.server.run import TlsFiles
    from saferkit.hub_plugin.server.run import serve as run_serve

    run_serve(db, host, port, HubSettings(max_upload_bytes=max_upload_mb * 1024 * 1024, public_pages=public_pages),
              tls=TlsFiles.of(tls_cert, tls_key))


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


@hub_app.command("add-operator")
def add_operator(
    label: str = typer.Argument(..., help="Who operates the catalogue (a person or team)."),
    db: str = typer.Option("saferkit-hub.db", "--db", help=DB_HELP),
) -> None:
    """Issue an operator API key (moderates experience reports, reads the audit); prints it once."""
    from saferkit.hub_plugin.server.store import Catalogue

    catalogue = Catalogue(db)
    try:
        typer.echo(catalogue.add_operator(label))
    finally:
        catalogue.close()


accredit_app = typer.Typer(help="Accredit evaluators (public keys) and profiles (by digest) for a catalogue.",
                           no_args_is_help=True)
revoke_app = typer.Typer(help="Revoke an accredited evaluator or profile.", no_args_is_help=True)
hub_app.add_typer(accredit_app, name="accredit")
hub_app.add_typer(revoke_app, name="revoke")
REGISTRY_HELP = "A folder catalogue's registry file (JSON); without it, the server database --db."


class _Accreditations:
    """The catalogue database, or a registry file for folder catalogues: the same four operations."""

    def __init__(self, db: str, registry: Optional[Path]) -> None:
        from saferkit.hub_plugin.registry import RegistryFile
        from saferkit.hub_plugin.server.store import Catalogue

        self.store = RegistryFile(registry) if registry else Catalogue(db)

    def __enter__(self):  # noqa: ANN204
        return self.store

    def __exit__(self, *exc: object) -> None:
        close = getattr(self.store, "close", None)
        if close:
            close()


@accredit_app.command("evaluator")
def accredit_evaluator(
    public_key: Path = typer.Argument(..., help="The evaluator's .pub file (from `saferkit hub keygen`)."),
    name: str = typer.Option(..., "--name", help="Who the evaluator is (shown on the tool pages)."),
    expires: Optional[str] = typer.Option(None, "--expires", help="Last day of the accreditation (YYYY-MM-DD)."),
    db: str = typer.Option("saferkit-hub.db", "--db", help=DB_HELP),
    registry: Optional[Path] = typer.Option(None, "--registry", help=REGISTRY_HELP),
) -> None:
    """Accredit an evaluator: scorecards signed by this key may be published."""
    from saferkit.core.errors import UserError
    from saferkit.hub_plugin.registry import evaluator_record

    if not public_key.is_file():
        raise UserError(f"{public_key} does not exist; pass the evaluator's .pub file.")
    record = evaluator_record(public_key.read_bytes(), name, expires)
    with _Accreditations(db, registry) as store:
        store.accredit_evaluator(record)
    until = f" until {record.expires}" if record.expires else ""
    console.print(f"accredited evaluator {record.name}: key {record.key_sha256}{until}", highlight=False)


@accredit_app.command("profile")
def accredit_profile(
    profile: Path = typer.Argument(..., help="The profile YAML, exactly as evaluators will use it."),
    version: Optional[str] = typer.Option(None, "--version", help="Version label (default: the file's, else 1)."),
    db: str = typer.Option("saferkit-hub.db", "--db", help=DB_HELP),
    registry: Optional[Path] = typer.Option(None, "--registry", help=REGISTRY_HELP),
) -> None:
    """Accredit a profile by the digest of its text: scorecards judged under it may be published."""
    from saferkit.hub_plugin.registry import profile_record

    record = profile_record(profile, version)
    with _Accreditations(db, registry) as store:
        store.accredit_profile(record)
    console.print(f"accredited profile {record.name} version {record.version}: sha256 {record.sha256}", highlight=False)


@revoke_app.command("evaluator")
def revoke_evaluator(
    key: str = typer.Argument(..., help="The evaluator's .pub file or its key sha256."),
    db: str = typer.Option("saferkit-hub.db", "--db", help=DB_HELP),
    registry: Optional[Path] = typer.Option(None, "--registry", help=REGISTRY_HELP),
) -> None:
    """Revoke an evaluator: nothing it signed is accepted any more."""
    from saferkit.hub_plugin.registry import key_id

    with _Accreditations(db, registry) as store:
        store.revoke_evaluator(key_id(key))
    console.print(f"revoked evaluator {key_id(key)}", highlight=False)


@revoke_app.command("profile")
def revoke_profile(
    profile: str = typer.Argument(..., help="The profile YAML or its sha256."),
    db: str = typer.Option("saferkit-hub.db", "--db", help=DB_HELP),
    registry: Optional[Path] = typer.Option(None, "--registry", help=REGISTRY_HELP),
) -> None:
    """Revoke a profile: scorecards judged under it are not accepted any more."""
    from saferkit.hub_plugin.registry import profile_id

    with _Accreditations(db, registry) as store:
        store.revoke_profile(profile_id(profile))
    console.print(f"revoked profile {profile_id(profile)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `hub` group to the root CLI."""
    app.add_typer(hub_app, name="hub")
