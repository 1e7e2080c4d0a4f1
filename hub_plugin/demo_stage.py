"""Demo stage: an embedded hub on loopback; publish the baseline if the ethics gate qualified it.

Otherwise say why and publish nothing. Then list the catalogue, print the web
page's address, and stop the server.
"""

from __future__ import annotations

from pathlib import Path

from saferkit.core.errors import UserError

STAGE = "hub"
DEMO_EVALUATOR = "saferkit demo evaluator"
DEMO_REVIEWER = "saferkit demo reviewer"


def _inputs(ctx) -> tuple[Path, Path, Path] | None:  # noqa: ANN001
    needed = {key: ctx.artifacts.get(key) for key in ("submission_dir", "report_dir", "scorecard_dir")}
    missing = [key for key, value in needed.items() if not value]
    if missing:
        ctx.console.print(f"[yellow]hub: nothing to publish, earlier stages did not produce {', '.join(missing)}.[/]")
        return None
    return Path(needed["submission_dir"]), Path(needed["report_dir"]), Path(needed["scorecard_dir"])


def _accredit(ctx, catalogue) -> None:  # noqa: ANN001
    """The demo hub's operator accredits the demo's evaluator key and the profile the ethics stage used."""
    from saferkit.ethics.attestation import profile_text
    from saferkit.hub_plugin.registry import evaluator_record, profile_record

    for key, name in (("evaluator_public_key", DEMO_EVALUATOR), ("reviewer_public_key", DEMO_REVIEWER)):
        public_key = ctx.artifacts.get(key)
        if public_key:
            record = catalogue.accredit_evaluator(evaluator_record(Path(public_key).read_bytes(), name, None))
            ctx.console.print(f"hub: accredited evaluator {record.name} (key {record.key_sha256[:16]})")
    profile_file = ctx.out / "hub" / "accredited-profile.yaml"
    profile_file.write_text(profile_text(ctx.artifacts.get("profile_path")), encoding="utf-8")
    profile = catalogue.accredit_profile(profile_record(profile_file, None))
    ctx.console.print(f"hub: accredited profile {profile.name} version {profile.version} ({profile.sha256[:16]})")


def run(ctx) -> None:  # noqa: ANN001
    from saferkit.hub_plugin.client import HubClient, print_catalogue, vetting_lines
    from saferkit.hub_plugin.gate import SCORECARD_FILE, NotPublishable
    from saferkit.core.keys import generate_keypair
    from saferkit.hub_plugin.publish import publish
    from saferkit.hub_plugin.server.run import EmbeddedHub

    out = ctx.out / "hub"
    out.mkdir(parents=True, exist_ok=True)
    private_key, public_key = generate_keypair(out / "publisher.pem", overwrite=True)
    with EmbeddedHub(out / "catalogue.db") as hub:
        publisher_key = hub.catalogue.add_publisher("saferkit-demo", public_key.read_bytes())
        reader_key = hub.catalogue.add_reader("demo-reader")
        _accredit(ctx, hub.catalogue)
        inputs = _inputs(ctx)
        if inputs is not None:
            submission, report, scorecard = inputs
            try:
                result = publish(submission, report, scorecard, hub.url, key=private_key, api_key=publisher_key)
                ctx.console.print(f"hub: published {result.id} {result.version} (signed with {private_key.name})")
                page = HubClient(hub.url, reader_key).request("GET", f"/api/v1/entries/{result.id}")
                for line in vetting_lines(page["entry"].get("vetting")):
                    ctx.console.print(f"  {line}")
                ctx.record(STAGE, f"published {result.id} {result.version}", hub.url + f"/tools/{result.id}")
            except NotPublishable as exc:
                if exc.check != "qualified":
                    ctx.console.print(f"[yellow]hub: the vetting chain refused it ({exc.check}).[/]")
                ctx.console.print(f"[yellow]hub: {exc}[/]")
                ctx.record(STAGE, "not published (gate refused)", Path(scorecard) / SCORECARD_FILE
                           if Path(scorecard).is_dir() else scorecard)
            except UserError as exc:
                ctx.console.print(f"[red]hub: not published: {exc}[/]")
                ctx.record(STAGE, "not published (error)", str(exc)[:80])
        catalogue = HubClient(hub.url, reader_key).list()
        print_catalogue(ctx.console, catalogue)
        ctx.console.print(f"hub: web page {hub.url}/?lang=en (reader key {reader_key}); "
                          "the demo stops the server now - run `saferkit hub serve --db "
                          f"{out / 'catalogue.db'}` to browse it.")
        ctx.artifacts["hub_url"] = hub.url
        ctx.record(STAGE, f"catalogue with {catalogue['total']} tool(s)", out / "catalogue.db")
