"""Running the app with uvicorn: in the foreground for `saferkit serve`, in a thread for the demo and tests.

The bind check lives here: a server on anything but a loopback address must
have API keys configured, or it does not start.
"""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import threading
import time

from saferkit.core.errors import UserError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_safe_bind(host: str, configured_keys: int) -> None:
    """Refuse to listen beyond this machine without API keys."""
    if not is_loopback(host) and configured_keys == 0:
        raise UserError(f"refusing to listen on {host} without API keys: pass --api-keys FILE or set "
                        "SAFERKIT_API_KEYS, or bind to 127.0.0.1.")


def uvicorn_config(app, host: str, port: int):
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, server_header=False,
                          lifespan="on", timeout_keep_alive=30, backlog=2048)


def _quiet_stop_server(config):
    """uvicorn's server, except that Ctrl-C or SIGTERM only stops it: the command then exits 0."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            original = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    return Server(config)


def serve_forever(app, host: str, port: int) -> None:
    """Run until interrupted (Ctrl-C / SIGTERM), then finish the requests in flight and stop."""
    server = _quiet_stop_server(uvicorn_config(app, host, port))
    server.run()
    if not server.started:
        raise UserError(f"the server could not start on {host}:{port} (is the port in use?); choose another --port.")


class BackgroundServer:
    """A server in a background thread on a free loopback port; a context manager that waits until ready."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, start_timeout_s: float = 120.0) -> None:
        import uvicorn

        if not is_loopback(host):
            raise UserError("a background server binds to loopback only.")
        self.server = uvicorn.Server(uvicorn_config(app, host, port))
        self.host = host
        self.start_timeout_s = start_timeout_s
        self._thread = threading.Thread(target=self.server.run, name="saferkit-serve", daemon=True)

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> "BackgroundServer":
        self._thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise UserError("the background server did not start; see the log above.")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def __exit__(self, *exc) -> None:
        self.stop()
