"""The built-in publisher that writes a signed bundle folder, for air-gapped transfer.

The folder lands at `TARGET/<id>/<version>/`; carry it across, check it with
`saferkit hub verify`, and load it into a catalogue with `saferkit hub push`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from saferkit.core.errors import UserError
from saferkit.hub_plugin.bundle import SignedBundle, content_sha256, copy_bundle_atomically
from saferkit.hub_plugin.publishers import Publisher, PublishResult


class BundlePublisher(Publisher):
    """Copies the signed bundle under a folder (a path or a file:// URL)."""

    name = "bundle"
    schemes = ("", "file")

    def root(self) -> Path:
        parsed = urlparse(self.target)
        return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(self.target)

    def publish(self, bundle: SignedBundle) -> PublishResult:
        entry = bundle.entry
        dest = self.root() / entry["id"] / entry["version"]
        if dest.exists():
            if content_sha256(dest) == bundle.content_sha256:
                return PublishResult("unchanged", entry["id"], entry["version"], str(dest))
            raise UserError(f"{dest} already holds version {entry['version']} with different content; "
                            "raise the version number (a published version never changes).", exit_code=4)
        copy_bundle_atomically(bundle.folder, dest)
        return PublishResult("published", entry["id"], entry["version"], str(dest))
