"""`saferkit hub publish`: gate, build the entry, sign the bundle, hand it to a publisher."""

from __future__ import annotations

import tempfile
from pathlib import Path

from saferkit.hub_plugin.bundle import write_signed_bundle
from saferkit.hub_plugin.chain import check_chain
from saferkit.hub_plugin.entry import build_entry, load_listing
from saferkit.hub_plugin.gate import NotPublishable, check_publishable
from saferkit.hub_plugin.publishers import Publisher, PublishResult, select_publisher
from saferkit.hub_plugin.registry import REGISTRY_ENV, Registry, RegistryFile, registry_from_env_or


def registry_for(target: type[Publisher], hub: str, registry: Path | None) -> Registry | None:
    """The registry to check the chain against here: the file given (or $SAFERKIT_HUB_REGISTRY); None when
    the target is a catalogue server, which checks against its own; refused for a folder without one."""
    path = registry_from_env_or(registry)
    if path is not None:
        return RegistryFile(path).load()
    if target.target_checks_accreditation:
        return None
    raise NotPublishable("registry", f"publishing to {hub} checks the vetting chain against the catalogue "
                         "operator's registry of accredited evaluators and profiles: pass --registry FILE "
                         f"(made with `saferkit hub accredit ... --registry FILE`) or set {REGISTRY_ENV}.")


def publish(submission: Path, report: Path, scorecard: Path, hub: str, *, key: Path,
            api_key: str | None = None, listing: Path | None = None, publisher: str | None = None,
            registry: Path | None = None) -> PublishResult:
    """Publish a qualified, accredited-evaluator-signed submission to `hub`; nothing is sent unless every check passes."""
    inputs = check_publishable(submission, report, scorecard)
    target_class = select_publisher(hub, publisher)
    chain = check_chain(inputs, registry_for(target_class, hub, registry))
    entry = build_entry(inputs, load_listing(listing), chain)
    target = target_class(hub, api_key=api_key)
    target.preflight()
    with tempfile.TemporaryDirectory(prefix="saferkit-bundle-") as tmp:
        bundle = write_signed_bundle(inputs, entry, Path(tmp) / "bundle", key)
        return target.publish(bundle)
