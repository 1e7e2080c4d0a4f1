"""Nothing is lost: a crash mid-publish leaves no half entry, and the database survives a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

from saferkit.hub_plugin.bundle import zip_bundle
from saferkit.hub_plugin.server.run import free_port
from saferkit.hub_plugin.server.store import Catalogue

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT.parent)}

CRASH_MID_PUBLISH = textwrap.dedent('''
    """Publish, but let the process die after the rows are written and before the commit."""
    import os, sys
    from pathlib import Path
    from sqlalchemy import event
    from saferkit.hub_plugin.server.intake import accept_bundle
    from saferkit.hub_plugin.server.store import Catalogue

    db, key, bundle = sys.argv[1:4]
    catalogue = Catalogue(db)
    who = catalogue.authenticate(key)
    accepted = accept_bundle(Path(bundle).read_bytes(), who.publisher_name,
                             catalogue.publisher_public_key(who.publisher_name), max_bytes=1 << 26,
                             registry=catalogue.registry())

    @event.listens_for(catalogue.sessions, "after_flush")
    def crash(session, context):
        os._exit(17)  # like a power cut: no rollback, no cleanup

    catalogue.create_version(who, accepted.entry, accepted.content_sha256, accepted.signature, b"zip")
    sys.exit(0)
''')


def test_crash_mid_publish_leaves_no_half_entry(tmp_path: Path, keypair, signed_bundle, accredit):
    db = tmp_path / "hub.db"
    catalogue = Catalogue(str(db))
    accredit(catalogue)
    key = catalogue.add_publisher("team", keypair[1].read_bytes())
    catalogue.close()
    upload = tmp_path / "bundle.zip"
    upload.write_bytes(zip_bundle(signed_bundle().folder))
    script = tmp_path / "crash.py"
    script.write_text(CRASH_MID_PUBLISH)
    result = subprocess.run([sys.executable, str(script), str(db), key, str(upload)], env=ENV,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 17, result.stderr

    reopened = Catalogue(str(db))
    try:
        assert reopened.counts() == {"tools": 0, "versions": 0}
        who = reopened.authenticate(key)
        from saferkit.hub_plugin.server.intake import accept_bundle

        accepted = accept_bundle(upload.read_bytes(), "team", reopened.publisher_public_key("team"), max_bytes=1 << 26,
                                 registry=reopened.registry())
        status, record = reopened.create_version(who, accepted.entry, accepted.content_sha256, accepted.signature,
                                                 upload.read_bytes())
        assert status == "created" and reopened.counts() == {"tools": 1, "versions": 1}
    finally:
        reopened.close()


def _start_server(db: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "saferkit", "hub", "serve", "--db", str(db), "--port", str(port)],
                               env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("hub serve did not come up within 60 s")


def test_database_survives_a_killed_server(tmp_path: Path, keypair, signed_bundle, accredit):
    db = tmp_path / "hub.db"
    catalogue = Catalogue(str(db))
    accredit(catalogue)
    publisher_key, reader_key = catalogue.add_publisher("team", keypair[1].read_bytes()), catalogue.add_reader("r")
    catalogue.close()
    port = free_port()
    server = _start_server(db, port)
    try:
        response = httpx.post(f"http://127.0.0.1:{port}/api/v1/entries", content=zip_bundle(signed_bundle().folder),
                              headers={"X-API-Key": publisher_key}, timeout=60)
        assert response.status_code == 201
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    server = _start_server(db, port)
    try:
        listed = httpx.get(f"http://127.0.0.1:{port}/api/v1/entries", headers={"X-API-Key": reader_key}).json()
        assert [(e["id"], e["version"]) for e in listed["entries"]] == [("toy-red", "1.0.0")]
    finally:
        server.terminate()
        server.wait(timeout=30)
