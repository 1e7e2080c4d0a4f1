"""The catalogue server's JSON API over real HTTP on loopback: keys, publishing, reads, bad input."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from saferkit.core.errors import UserError
from saferkit.hub_plugin.bundle import zip_bundle
from saferkit.core.keys import generate_keypair
from saferkit.hub_plugin.publish import publish
from saferkit.hub_plugin.server.api import HubSettings
from saferkit.hub_plugin.server.run import EmbeddedHub
from saferkit.hub_plugin.signing import verify_bundle

API = "/api/v1"


def post_bundle(url: str, key: str, data: bytes) -> httpx.Response:
    return httpx.post(url + f"{API}/entries", content=data, timeout=60,
                      headers={"X-API-Key": key, "Content-Type": "application/zip"})


def test_keys_health_is_open_reads_need_reader_writes_need_publisher(hub, signed_bundle):
    server, publisher_key, reader_key = hub
    assert httpx.get(server.url + f"{API}/health").json()["status"] == "ok"
    assert httpx.get(server.url + f"{API}/entries").status_code == 401
    assert httpx.get(server.url + f"{API}/entries", headers={"X-API-Key": "wrong"}).status_code == 401
    assert httpx.get(server.url + f"{API}/entries", headers={"Authorization": f"Bearer {reader_key}"}).status_code == 200
    refused = post_bundle(server.url, reader_key, zip_bundle(signed_bundle().folder))
    assert refused.status_code == 403 and "not publish" in refused.json()["error"]
    assert post_bundle(server.url, "", b"x").status_code == 401


def test_publishing_without_an_api_key_stops_before_signing(hub, evaluated, tmp_path: Path):
    server, _, _ = hub
    with pytest.raises(UserError, match="needs the publisher API key"):
        publish(*evaluated(), server.url, key=tmp_path / "no-such-key.pem", api_key=None)


def test_publish_is_idempotent_versioned_and_withdrawable(hub, evaluated, keypair, tmp_path: Path):
    server, publisher_key, reader_key = hub
    reader = {"X-API-Key": reader_key}
    sub1, report1, card1 = evaluated(version="1.0.0", folder="v1")
    first = publish(sub1, report1, card1, server.url, key=keypair[0], api_key=publisher_key)
    again = publish(sub1, report1, card1, server.url, key=keypair[0], api_key=publisher_key)
    assert (first.status, again.status) == ("published", "unchanged")

    listing = tmp_path / "listing.yaml"
    listing.write_text("summary: Same version, different text.\n")
    with pytest.raises(UserError, match="409.*raise the version number"):
        publish(sub1, report1, card1, server.url, key=keypair[0], api_key=publisher_key, listing=listing)

    sub2, report2, card2 = evaluated(version="1.1.0", folder="v2")
    assert publish(sub2, report2, card2, server.url, key=keypair[0], api_key=publisher_key).status == "published"
    tool = httpx.get(server.url + f"{API}/entries/toy-red", headers=reader).json()
    assert tool["latest"] == "1.1.0" and [v["version"] for v in tool["versions"]] == ["1.1.0", "1.0.0"]
    assert tool["entry"]["signature"]["publisher"] == "test-team"
    assert set(tool["entry"]["signature"]["signed_files"]) >= {"entry.json", "submission/model.onnx"}

    withdraw_url = server.url + f"{API}/entries/toy-red/versions/1.1.0/withdraw"
    assert httpx.post(withdraw_url, json={"reason": "x"}, headers=reader).status_code == 403
    empty = httpx.post(withdraw_url, json={"reason": ""}, headers={"X-API-Key": publisher_key})
    assert empty.status_code == 422 and "body.reason" in empty.json()["fields"]
    done = httpx.post(withdraw_url, json={"reason": "recall regression found on review"},
                      headers={"X-API-Key": publisher_key})
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"

    version = httpx.get(server.url + f"{API}/entries/toy-red/versions/1.1.0", headers=reader).json()
    assert version["status"] == "withdrawn" and version["withdrawn_reason"] == "recall regression found on review"
    listed = httpx.get(server.url + f"{API}/entries", headers=reader).json()
    assert [(e["id"], e["version"]) for e in listed["entries"]] == [("toy-red", "1.0.0")]
    with pytest.raises(UserError, match="409.*withdrawn"):
        publish(sub2, report2, card2, server.url, key=keypair[0], api_key=publisher_key)


def test_signed_bundle_download_verifies_with_the_registered_key(hub, evaluated, keypair, tmp_path: Path):
    server, publisher_key, reader_key = hub
    publish(*evaluated(), server.url, key=keypair[0], api_key=publisher_key)
    reader = {"X-API-Key": reader_key}
    archive = httpx.get(server.url + f"{API}/entries/toy-red/versions/1.0.0/bundle", headers=reader)
    key = httpx.get(server.url + f"{API}/publishers/test-team/key", headers=reader)
    assert archive.status_code == 200 and key.status_code == 200
    folder = tmp_path / "downloaded"
    zipfile.ZipFile(io.BytesIO(archive.content)).extractall(folder)
    assert "submission/model.onnx" in verify_bundle(folder, key.content)


def test_filters_category_cost_deployment_language_and_text(hub, signed_bundle):
    server, publisher_key, reader_key = hub
    french = {"summary": "Repère les correspondances d'empreintes.",
              "model_card": {f: f"texte {f}" for f in ("intended_use", "out_of_scope_uses", "limitations",
                                                       "domain_gap", "ethical_considerations", "human_oversight",
                                                       "contestability")}}
    hashing_tool = signed_bundle(name="hash-helper", listing={
        "summary": "Finds known-image hash matches.", "cost": "free-for-law-enforcement",
        "categories": {"purpose": ["hash-matching"], "technology": ["perceptual-hashing"]},
        "deployment": {"compute": ["cpu"]}, "translations": {"fr": french}})
    triage_tool = signed_bundle(name="toy-red")
    for bundle in (hashing_tool, triage_tool):
        assert post_bundle(server.url, publisher_key, zip_bundle(bundle.folder)).status_code == 201

    def ids(**params) -> list[str]:
        response = httpx.get(server.url + f"{API}/entries", params=params, headers={"X-API-Key": reader_key})
        assert response.status_code == 200
        return [entry["id"] for entry in response.json()["entries"]]

    assert ids() == ["hash-helper", "toy-red"]
    assert ids(category="hash-matching") == ["hash-helper"]
    assert ids(category="image-classification") == ["toy-red"]
    assert ids(cost="free") == ["toy-red"]
    assert ids(deployment="gpu") == ["toy-red"] and ids(deployment="offline") == ["hash-helper", "toy-red"]
    assert ids(language="fr") == ["hash-helper"] and ids(language="zh") == []
    assert ids(q="EMPREINTES") == ["hash-helper"] and ids(q="toy-red") == ["toy-red"] and ids(q="Known-Image") == ["hash-helper"] and ids(q="100%") == []
    assert ids(category="hash-matching", cost="free") == []
    bad = httpx.get(server.url + f"{API}/entries", params={"limit": 0}, headers={"X-API-Key": reader_key})
    assert bad.status_code == 422 and bad.json()["fields"] == ["query.limit"]


def test_tampered_unsigned_and_foreign_key_bundles_are_rejected(hub, signed_bundle, tmp_path: Path):
    server, publisher_key, _ = hub
    bundle = signed_bundle()
    (bundle.folder / "report.json").write_text('{"headline": "better numbers"}')
    tampered = post_bundle(server.url, publisher_key, zip_bundle(bundle.folder))
    assert tampered.status_code == 400
    assert tampered.json()["files"] == ["report.json (digest differs from the signed one)"]

    (bundle.folder / "signature.sig").unlink()
    unsigned = post_bundle(server.url, publisher_key, zip_bundle(bundle.folder))
    assert unsigned.status_code == 400 and "unsigned" in unsigned.json()["error"]

    from saferkit.hub_plugin.signing import sign_bundle

    other_private, _ = generate_keypair(tmp_path / "intruder.pem")
    fresh = signed_bundle(version="2.0.0")
    sign_bundle(fresh.folder, other_private)
    foreign = post_bundle(server.url, publisher_key, zip_bundle(fresh.folder))
    assert foreign.status_code == 400 and "other than the publisher's registered key" in foreign.json()["error"]
    assert post_bundle(server.url, publisher_key, b"not a zip").status_code == 400


def test_schema_invalid_entry_is_422_listing_fields(hub, signed_bundle):
    server, publisher_key, _ = hub

    def break_entry(entry):
        del entry["cost"]
        entry["deployment"]["min_memory_mb"] = 0
        entry["summary"] = {"fr": "pas d'anglais"}

    response = post_bundle(server.url, publisher_key, zip_bundle(signed_bundle(mutate=break_entry).folder))
    assert response.status_code == 422
    body = response.json()
    assert {"(top level)", "deployment.min_memory_mb", "summary"} <= set(body["fields"])
    assert any("cost" in p["message"] for p in body["problems"])


def test_entry_whose_digests_do_not_describe_the_files_is_422(hub, signed_bundle):
    server, publisher_key, _ = hub

    def lie(entry):
        entry["artifacts"]["model_sha256"] = "0" * 64

    response = post_bundle(server.url, publisher_key, zip_bundle(signed_bundle(mutate=lie).folder))
    assert response.status_code == 422 and response.json()["fields"] == ["artifacts.model_sha256"]


def test_tool_id_of_another_publisher_is_403(hub, signed_bundle, tmp_path: Path):
    server, publisher_key, _ = hub
    assert post_bundle(server.url, publisher_key, zip_bundle(signed_bundle().folder)).status_code == 201
    other_private, other_public = generate_keypair(tmp_path / "rival.pem")
    rival_key = server.catalogue.add_publisher("rival-team", other_public.read_bytes())
    from saferkit.hub_plugin.signing import sign_bundle

    bundle = signed_bundle(version="9.0.0")
    sign_bundle(bundle.folder, other_private)
    response = post_bundle(server.url, rival_key, zip_bundle(bundle.folder))
    assert response.status_code == 403 and "another publisher" in response.json()["error"]


def test_oversized_upload_is_413_declared_or_streamed(tmp_path: Path, keypair, signed_bundle):
    data = zip_bundle(signed_bundle().folder)
    with EmbeddedHub(tmp_path / "small.db", settings=HubSettings(max_upload_bytes=len(data) - 1)) as server:
        key = server.catalogue.add_publisher("team", keypair[1].read_bytes())
        assert post_bundle(server.url, key, data).status_code == 413

        def chunks():  # no Content-Length: the server must count while reading
            for start in range(0, len(data), 4096):
                yield data[start:start + 4096]

        streamed = httpx.post(server.url + f"{API}/entries", content=chunks(), timeout=60,
                              headers={"X-API-Key": key, "Content-Type": "application/zip"})
        assert streamed.status_code == 413 and "larger than" in streamed.json()["error"]
        assert server.catalogue.counts() == {"tools": 0, "versions": 0}


def test_zip_with_escaping_path_is_refused(hub):
    server, publisher_key, _ = hub
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escape.txt", "x")
    response = post_bundle(server.url, publisher_key, buffer.getvalue())
    assert response.status_code == 400 and "leave its folder" in response.json()["error"]


def test_unknown_tool_and_version_are_404(hub):
    server, _, reader_key = hub
    reader = {"X-API-Key": reader_key}
    assert httpx.get(server.url + f"{API}/entries/nope", headers=reader).status_code == 404
    assert httpx.get(server.url + f"{API}/entries/nope/versions/1.0.0", headers=reader).status_code == 404
