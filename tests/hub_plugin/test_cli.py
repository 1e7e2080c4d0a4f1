"""CLI paths through the real entry point (in-process): air-gap round trip (bundle -> push -> list), key administration."""

from __future__ import annotations

from pathlib import Path

import httpx

from saferkit.hub_plugin.publish import publish
from saferkit.hub_plugin.server.api import HubSettings
from saferkit.hub_plugin.server.run import EmbeddedHub
from saferkit.hub_plugin.server.store import Catalogue


def test_air_gap_round_trip_push_then_list(hub, evaluated, keypair, tmp_path: Path, cli, monkeypatch):
    server, publisher_key, reader_key = hub
    result = publish(*evaluated(), str(tmp_path / "usb-stick"), key=keypair[0])
    monkeypatch.setenv("SAFERKIT_HUB_API_KEY", publisher_key)
    code, out, err = cli("hub", "push", Path(result.location), "--hub", server.url)
    assert code == 0 and "toy-red 1.0.0: published" in out, err
    code, out, err = cli("hub", "list", "--hub", server.url, "--api-key", reader_key, "--category", "triage")
    assert code == 0, err
    assert "1 tool(s)" in out and "toy-red" in out and "0.910" in out and "(en)" not in out
    code, out, _ = cli("hub", "list", "--hub", server.url, "--api-key", reader_key, "--lang", "fr")
    assert code == 0 and "(en)" in out  # no French text: the English one, marked
    code, _, err = cli("hub", "list", "--hub", server.url, "--api-key", "wrong")
    assert code == 2 and "hub answered 401" in err
    code, out, err = cli("hub", "withdraw", "toy-red", "1.0.0", "--reason", "found a labelling error", "--hub", server.url)
    assert code == 0 and "toy-red 1.0.0: withdrawn (found a labelling error)" in out, err
    code, out, _ = cli("hub", "list", "--hub", server.url, "--api-key", reader_key)
    assert code == 0 and "0 tool(s)" in out


def test_add_publisher_and_reader_print_working_keys(tmp_path: Path, keypair, cli):
    db = tmp_path / "admin.db"
    code, publisher_key, err = cli("hub", "add-publisher", "Team Blue", "--public-key", keypair[1], "--db", db)
    assert code == 0, err
    code, reader_key, err = cli("hub", "add-reader", "Agency X", "--db", db)
    assert code == 0, err
    code, _, err = cli("hub", "add-publisher", "Team Blue", "--public-key", keypair[1], "--db", db)
    assert code == 2 and "already exists" in err
    not_a_key = tmp_path / "not-a-key.pub"
    not_a_key.write_text("hello")
    code, _, err = cli("hub", "add-publisher", "Team Red", "--public-key", not_a_key, "--db", db)
    assert code == 2 and "not a PEM public key" in err
    catalogue = Catalogue(str(db))
    try:
        assert catalogue.authenticate(publisher_key.strip()).publisher_name == "Team Blue"
        assert catalogue.authenticate(reader_key.strip()).role == "reader"
    finally:
        catalogue.close()


def test_public_pages_open_the_web_page_but_not_the_api(tmp_path: Path):
    with EmbeddedHub(tmp_path / "public.db", settings=HubSettings(public_pages=True)) as server:
        assert httpx.get(server.url + "/?lang=nl").status_code == 200
        assert httpx.get(server.url + "/api/v1/entries").status_code == 401


def test_serve_refuses_a_taken_port_and_an_unreachable_database(tmp_path: Path, cli):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = cli("hub", "serve", "--db", tmp_path / "x.db", "--port", port)
        assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in " ".join(err.split())
    code, _, err = cli("hub", "add-reader", "r", "--db", "postgresql://nobody:pw@127.0.0.1:1/none")
    assert code == 2 and "cannot open the catalogue database" in " ".join(err.split())
    assert "pw@" not in err  # the password is not echoed
