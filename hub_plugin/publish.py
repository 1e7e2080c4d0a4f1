"""`saferkit hub publish`: gate, build the entry, sign the bundle, hand it to a publisher."""

from __future__ import annotations

import tempfile
from pathlib import Path

from saferkit.hub_plugin.bundle import write_signed_bundle
from saferkit.hub_plugin.entry import build_entry, load_listing
from saferkit.hub_plugin.gate import check_publishable
from saferkit.hub_plugin.publishers import PublishResult, select_publisher


def publish(submission: Path, report: Path, scorecard: Path, hub: str, *, key: Path,
            api_key: str | None = None, listing: Path | None = None, publisher: str | None = None) -> PublishResult:
    """Publish a qualified submission to `hub`; nothing is sent unless every check passes."""
    inputs = check_publishable(submission, report, scorecard)
    entry = build_entry(inputs, load_listing(listing))
    target = select_publisher(hub, publisher)(hub, api_key=api_key)
    target.preflight()
    with tempfile.TemporaryDirectory(prefix="saferkit-bundle-") as tmp:
        bundle = write_signed_bundle(inputs, entry, Path(tmp) / "bundle", key)
        return target.publish(bundle)
