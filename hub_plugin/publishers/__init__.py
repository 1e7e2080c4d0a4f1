"""Publisher plugins: where a signed bundle goes (a catalogue over HTTP, a folder, ...).

Publishers are found through the `saferkit.hub_publishers` entry-point group,
so a third party adds one by declaring it in its own package metadata:

    [project.entry-points."saferkit.hub_publishers"]
    mycat = "mypkg.publisher:MyPublisher"

The kit's own two are also known without metadata (a source checkout that is
not pip-installed still finds them).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from importlib import metadata
from typing import ClassVar
from urllib.parse import urlparse

from saferkit.core.errors import UserError
from saferkit.hub_plugin.bundle import SignedBundle

ENTRY_POINT_GROUP = "saferkit.hub_publishers"
BUILTIN_PUBLISHERS = {
    "http": "saferkit.hub_plugin.publishers.http:HttpPublisher",
    "bundle": "saferkit.hub_plugin.publishers.bundle:BundlePublisher",
}


@dataclass(frozen=True)
class PublishResult:
    """What a publisher did: `published` (new), or `unchanged` (the same version was already there)."""

    status: str
    id: str
    version: str
    location: str


class Publisher(ABC):
    """Base class for publishers; `schemes` are the URL schemes of --hub it handles."""

    name: ClassVar[str] = ""
    schemes: ClassVar[tuple[str, ...]] = ()
    # True when the target checks the vetting chain against its own registry (a catalogue server);
    # otherwise `hub publish` checks it against the operator's registry file before writing anything.
    target_checks_accreditation: ClassVar[bool] = False

    def __init__(self, target: str, *, api_key: str | None = None, timeout: float = 120.0) -> None:
        self.target = target
        self.api_key = api_key
        self.timeout = timeout

    def preflight(self) -> None:  # noqa: B027 (optional hook: most publishers need no check)
        """Refuse early (before signing) when the target cannot work, e.g. a missing API key."""

    @abstractmethod
    def publish(self, bundle: SignedBundle) -> PublishResult:
        """Deliver the bundle; same content twice is a no-op, changed content under one version is refused."""


def available_publishers() -> dict[str, str]:
    """Publisher name -> "module:Class", from entry points over the built-ins."""
    found = dict(BUILTIN_PUBLISHERS)
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        found[entry_point.name] = entry_point.value
    return found


def load_publisher_class(name: str) -> type[Publisher]:
    """Import the publisher registered under `name`."""
    known = available_publishers()
    if name not in known:
        raise UserError(f"no hub publisher named {name!r}; installed: {', '.join(sorted(known))}.")
    module_name, _, attribute = known[name].partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise UserError(f"hub publisher {name!r} ({known[name]}) cannot be loaded: {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, Publisher)):
        raise UserError(f"hub publisher {name!r} ({known[name]}) is not a saferkit Publisher subclass.")
    return cls


def select_publisher(target: str, name: str | None = None) -> type[Publisher]:
    """The publisher named, or the one whose schemes match the --hub target."""
    if name:
        return load_publisher_class(name)
    scheme = urlparse(target).scheme.lower()
    if len(scheme) == 1:  # a Windows drive letter, not a scheme
        scheme = ""
    for candidate in sorted(available_publishers()):
        try:
            cls = load_publisher_class(candidate)
        except UserError:  # a broken third-party plugin must not block the others
            continue
        if scheme in cls.schemes:
            return cls
    raise UserError(f"no hub publisher handles {target!r}; use an http(s):// catalogue URL, a folder path, "
                    f"or --publisher NAME (installed: {', '.join(sorted(available_publishers()))}).")
