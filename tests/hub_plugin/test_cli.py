"""CLI paths not covered elsewhere: the air-gap round trip (bundle -> push -> list) and key administration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from saferkit.hub_plugin.publish import publish
from saferkit.hub_plugin.server.api import HubSettings
from saferkit.hub_plugin.server.run import EmbeddedHub
from saferkit.hub_plugin.server.store import Catalogue

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, **env_extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT.parent), **env_extra}
    return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_air_gap_round_trip_push_then_list(hub, evaluated, keypair, tmp_path: Path):
    server, publisher_key, reader_key = hub
    result = publish(*evaluated(), str(tmp_path / "usb-stick"), key=keypair[0])
    bundle = Path(result.location)
    pushed = run_cli("hub", "push", str(bundle), "--hub", server.url, SAFERKIT_HUB_API_KEY=publisher_key)
    assert pushed.returncode == 0, pushed.stderr
    assert "toy-red 1.0.0: published" in pushed.stdout
    listed = run_cli("hub", "list", "--hub", server.url, "--api-key", reader_key, "--category", "triage")
    assert listed.returncode == 0, listed.stderr
    assert "1 tool(s)" in listed.stdout and "toy-red" in listed.stdout and "0.910" in listed.stdout
    denied = run_cli("hub", "list", "--hub", server.url, "--api-key", "wrong")
    assert denied.returncode == 2 and "hub answered 401" in denied.stderr


def test_add_publisher_and_reader_print_working_keys(tmp_path: Path, keypair):
    db = tmp_path / "admin.db"
    publisher = run_cli("hub", "add-publisher", "Team Blue", "--public-key", str(keypair[1]), "--db", str(db))
    reader = run_cli("hub", "add-reader", "Agency X", "--db", str(db))
    assert publisher.returncode == 0 and reader.returncode == 0, publisher.stderr + reader.stderr
    duplicate = run_cli("hub", "add-publisher", "Team Blue", "--public-key", str(keypair[1]), "--db", str(db))
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    not_a_key = tmp_path / "not-a-key.pub"
    not_a_key.write_text("hello")
    bad = run_cli("hub", "add-publisher", "Team Red", "--public-key", str(not_a_key), "--db", str(db))
    assert bad.returncode == 2 and "not a PEM public key" in bad.stderr
    catalogue = Catalogue(str(db))
    try:
        assert catalogue.authenticate(publisher.stdout.strip()).publisher_name == "Team Blue"
        assert catalogue.authenticate(reader.stdout.strip()).role == "reader"
    finally:
        catalogue.close()


def test_public_pages_open_the_web_page_but_not_the_api(tmp_path: Path):
    with EmbeddedHub(tmp_path / "public.db", settings=HubSettings(public_pages=True)) as server:
        assert httpx.get(server.url + "/?lang=nl").status_code == 200
        assert httpx.get(server.url + "/api/v1/entries").status_code == 401
