"""Running the catalogue server: in the foreground (`hub serve`) or embedded in a thread (demo, tests)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from saferkit.core.errors import UserError
from saferkit.hub_plugin.server.api import HubSettings, create_app
from saferkit.hub_plugin.server.store import Catalogue

if TYPE_CHECKING:
    import uvicorn

DEFAULT_DB = "saferkit-hub.db"


class TlsFiles:
    """A certificate and its key for uvicorn's own HTTPS (or None: plain HTTP, e.g. behind a TLS proxy)."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.cert, self.key = cert, key

    @classmethod
    def of(cls, cert: Path | None, key: Path | None) -> "TlsFiles | None":
        if cert is None and key is None:
            return None
        if cert is None or key is None:
            raise UserError("HTTPS needs both --tls-cert and --tls-key (PEM files).")
        for path in (cert, key):
            if not Path(path).is_file():
                raise UserError(f"{path} does not exist; pass the PEM certificate and key files.")
        return cls(Path(cert), Path(key))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (for embedded servers)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def require_free_port(host: str, port: int) -> None:
    """A clear message instead of a server that dies on start when the address is taken."""
    try:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no conflict
            sock.bind((host, port))
            sock.listen()
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port} ({exc.strerror}); pass another --port or --host.") from None


def serve(db: str, host: str, port: int, settings: HubSettings | None = None, tls: TlsFiles | None = None) -> None:
    """Run the catalogue in the foreground until interrupted.

    Over TLS (uvicorn's own certificates, or a reverse proxy on loopback that sends
    X-Forwarded-Proto: https) the session cookie is marked Secure.
    """
    import uvicorn

    require_free_port(host, port)
    catalogue = Catalogue(db)
    try:
        uvicorn.run(create_app(catalogue, settings), host=host, port=port, log_level="info",
                    timeout_graceful_shutdown=5, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                    ssl_certfile=str(tls.cert) if tls else None, ssl_keyfile=str(tls.key) if tls else None)
    finally:
        catalogue.close()


class EmbeddedHub:
    """A catalogue server in a background thread on loopback; use as a context manager."""

    def __init__(self, db: str | Path, *, host: str = "127.0.0.1", port: int | None = None,
                 settings: HubSettings | None = None) -> None:
        self.catalogue = Catalogue(str(db))
        self.host, self.port = host, port or free_port(host)
        self.settings = settings or HubSettings()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> "EmbeddedHub":
        import uvicorn

        config = uvicorn.Config(create_app(self.catalogue, self.settings), host=self.host, port=self.port,
                                log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="saferkit-hub", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise UserError(f"the embedded hub did not start on {self.url}; is the port free?")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.catalogue.close()

    def __enter__(self) -> "EmbeddedHub":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
