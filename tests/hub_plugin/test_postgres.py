"""The same catalogue on a real PostgreSQL server (SAFERKIT_TEST_PG_URL; .ci/ci_setup.sh provides one)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import event, inspect, text

from saferkit.hub_plugin.bundle import zip_bundle
from saferkit.hub_plugin.server.db import make_engine, migrate
from saferkit.hub_plugin.server.intake import accept_bundle
from saferkit.hub_plugin.server.run import EmbeddedHub
from saferkit.hub_plugin.server.store import Catalogue

pytestmark = pytest.mark.postgres


@pytest.fixture
def fresh_pg(pg_url: str) -> str:
    """The test database emptied through the migrations' own downgrade."""
    engine = make_engine(pg_url)
    try:
        migrate(engine, "base")
    finally:
        engine.dispose()
    return pg_url


def test_migrations_publish_filter_withdraw_and_restart_on_postgres(fresh_pg, keypair, signed_bundle, accredit):
    with EmbeddedHub(fresh_pg) as server:
        accredit(server.catalogue)
        assert server.catalogue.engine.dialect.name == "postgresql"
        tables = set(inspect(server.catalogue.engine).get_table_names())
        assert {"publishers", "api_keys", "tools", "tool_versions", "version_tags", "alembic_version"} <= tables
        publisher_key = server.catalogue.add_publisher("pg-team", keypair[1].read_bytes())
        reader = {"X-API-Key": server.catalogue.add_reader("pg-reader")}
        uploads = {version: zip_bundle(signed_bundle(version=version).folder) for version in ("1.0.0", "1.2.0")}
        for data in uploads.values():
            response = httpx.post(server.url + "/api/v1/entries", content=data,
                                  headers={"X-API-Key": publisher_key}, timeout=60)
            assert response.status_code == 201, response.text
        same = httpx.post(server.url + "/api/v1/entries", content=uploads["1.0.0"],
                          headers={"X-API-Key": publisher_key}, timeout=60)
        assert same.status_code == 200 and same.json()["status"] == "unchanged"
        listed = httpx.get(server.url + "/api/v1/entries", params={"q": "REDNESS", "category": "triage"},
                           headers=reader).json()
        assert [(e["id"], e["version"]) for e in listed["entries"]] == [("toy-red", "1.2.0")]
        withdrawn = httpx.post(server.url + "/api/v1/entries/toy-red/versions/1.2.0/withdraw",
                               json={"reason": "superseded"}, headers={"X-API-Key": publisher_key})
        assert withdrawn.status_code == 200
    reopened = Catalogue(fresh_pg)  # a restart: a new engine on the same database
    try:
        tool = reopened.get_tool("toy-red")
        assert tool["latest"] == "1.0.0"
        assert [(v["version"], v["status"]) for v in tool["versions"]] == [("1.2.0", "withdrawn"), ("1.0.0", "active")]
    finally:
        reopened.close()


def test_failed_publish_rolls_back_everything_on_postgres(fresh_pg, keypair, signed_bundle, accredit):
    catalogue = Catalogue(fresh_pg)
    try:
        accredit(catalogue)
        key = catalogue.add_publisher("pg-team", keypair[1].read_bytes())
        who = catalogue.authenticate(key)
        data = zip_bundle(signed_bundle().folder)
        accepted = accept_bundle(data, "pg-team", keypair[1].read_bytes(), max_bytes=1 << 26,
                                 registry=catalogue.registry())

        def fail_after_rows_written(session, context):
            raise RuntimeError("simulated failure after the rows were written")

        event.listen(catalogue.sessions, "after_flush", fail_after_rows_written)
        with pytest.raises(RuntimeError):
            catalogue.create_version(who, accepted.entry, accepted.content_sha256, accepted.signature, data)
        event.remove(catalogue.sessions, "after_flush", fail_after_rows_written)
        assert catalogue.counts() == {"tools": 0, "versions": 0}
        with catalogue.engine.connect() as connection:
            assert connection.execute(text("select count(*) from version_tags")).scalar() == 0
    finally:
        catalogue.close()


def test_sessions_voices_audit_and_bounds_on_postgres(fresh_pg, keypair, signed_bundle, accredit):
    with EmbeddedHub(fresh_pg) as server:
        accredit(server.catalogue)
        tables = set(inspect(server.catalogue.engine).get_table_names())
        assert {"web_sessions", "audit_events", "field_reports", "experience_reports"} <= tables
        publisher_key = server.catalogue.add_publisher("pg-team", keypair[1].read_bytes())
        reader_key, operator_key = server.catalogue.add_reader("pg-agency"), server.catalogue.add_operator("pg-op")
        assert httpx.post(server.url + "/api/v1/entries", content=zip_bundle(signed_bundle().folder),
                          headers={"X-API-Key": publisher_key}, timeout=60).status_code == 201
        reader = {"X-API-Key": reader_key}
        assert httpx.get(server.url + "/api/v1/entries?offset=1000000000", headers=reader).status_code == 200
        assert httpx.get(server.url + "/api/v1/entries?offset=6358216469482475926993365893120",
                         headers=reader).status_code == 422
        login = httpx.post(server.url + "/login", data={"key": reader_key, "lang": "en"})
        cookies = dict(login.cookies)
        assert login.status_code == 303 and httpx.get(server.url + "/", cookies=cookies).status_code == 200
        posted = httpx.post(server.url + "/api/v1/entries/toy-red/versions/1.0.0/experiences", headers=reader, json={
            "lang": "pt", "context": "Unidade regional", "hardware": "CPU", "volume_items": 10,
            "throughput_items_per_hour": 5.5, "recommend": False})
        number = posted.json()["id"]
        assert httpx.post(server.url + f"/api/v1/experiences/{number}/moderation", json={"state": "published", "reason": "ok"},
                          headers={"X-API-Key": operator_key}).status_code == 200
        assert "Unidade regional" in httpx.get(server.url + "/tools/toy-red?lang=pt", cookies=cookies).text
        httpx.post(server.url + "/logout", cookies=cookies)
        assert httpx.get(server.url + "/", cookies=cookies).status_code == 401
        events = httpx.get(server.url + "/api/v1/audit", headers={"X-API-Key": operator_key}).json()["events"]
        assert {"publish", "login", "logout", "experience-post", "moderate-published"} <= {e["action"] for e in events}
