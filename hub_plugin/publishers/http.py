"""The built-in publisher that uploads a signed bundle to a catalogue server."""

from __future__ import annotations

from saferkit.core.errors import UserError
from saferkit.hub_plugin.bundle import SignedBundle, zip_bundle
from saferkit.hub_plugin.publishers import Publisher, PublishResult

STATUS_MEANING = {
    401: "the hub did not accept the API key; pass the publisher key with --api-key or SAFERKIT_HUB_API_KEY",
    403: "this key may not publish this entry",
    409: "this version cannot be published again",
    413: "the bundle is larger than the hub accepts",
}


class HttpPublisher(Publisher):
    """POSTs the zipped bundle to `{hub}/api/v1/entries` with the publisher's API key."""

    name = "http"
    schemes = ("http", "https")
    target_checks_accreditation = True

    def preflight(self) -> None:
        self._key()

    def _key(self) -> str:
        """The publisher API key; the hub refuses uploads without one."""
        if not self.api_key:
            raise UserError("publishing to a hub needs the publisher API key: pass --api-key or set SAFERKIT_HUB_API_KEY.")
        return self.api_key

    def publish(self, bundle: SignedBundle) -> PublishResult:
        import httpx

        api_key = self._key()
        url = self.target.rstrip("/") + "/api/v1/entries"
        try:
            response = httpx.post(url, content=zip_bundle(bundle.folder), timeout=self.timeout,
                                  headers={"X-API-Key": api_key, "Content-Type": "application/zip"})
        except httpx.HTTPError as exc:
            raise UserError(f"cannot reach the hub at {self.target} ({type(exc).__name__}); check --hub and that the server runs.") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code in (200, 201):
            return PublishResult(body.get("status", "published"), bundle.entry["id"], bundle.entry["version"],
                                 body.get("url", url))
        detail = body.get("error") or response.text[:300]
        meaning = STATUS_MEANING.get(response.status_code, "the hub refused the bundle")
        raise UserError(f"hub answered {response.status_code}: {meaning}. {detail}".strip())
