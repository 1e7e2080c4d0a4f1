"""/v1/hash and /v1/match carry the hashing package over HTTP: same hashes, same matches."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from serving_support import AUTH, build_app, scene_bytes

from saferkit.hashing import HashRecord, hash_bytes, write_hashlist

LISTED = [scene_bytes(seed) for seed in range(3)]


@pytest.fixture(scope="module")
def matching_client(module_tmp):
    records = []
    for index, data in enumerate(LISTED):
        hashes = hash_bytes(data, ("pdq", "sha256"))
        records.append(HashRecord("pdq", hashes["pdq"], f"item-{index}", "test-category", "unit-test"))
        records.append(HashRecord("sha256", hashes["sha256"], f"file-{index}", "test-category", "unit-test"))
    hashlist = module_tmp / "known.csv"
    write_hashlist(records, hashlist)
    app, _ = build_app(module_tmp, hashlists=[hashlist])
    with TestClient(app) as client:
        yield client


def test_hash_returns_the_hashing_packages_hashes(matching_client):
    data = scene_bytes(7)
    response = matching_client.post("/v1/hash", headers=AUTH, files=[("images", ("scene.png", data))])
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert result["sha256"] == hashlib.sha256(data).hexdigest() == result["hashes"]["sha256"]
    assert result["hashes"]["md5"] == hashlib.md5(data).hexdigest()
    expected = hash_bytes(data)
    assert {k: result["hashes"][k] for k in ("pdq", "pdq_quality", "phash", "dhash")} == \
           {k: expected[k] for k in ("pdq", "pdq_quality", "phash", "dhash")}
    chosen = matching_client.post("/v1/hash?algos=pdq,sha1", headers=AUTH, files=[("images", ("s.png", data))]).json()
    assert chosen["algorithms"] == ["pdq", "sha1"]
    assert "sha1" in chosen["results"][0]["hashes"] and "md5" not in chosen["results"][0]["hashes"]


def test_hash_refuses_bad_input(matching_client):
    unknown = matching_client.post("/v1/hash?algos=photodna", headers=AUTH, files=[("images", ("s.png", LISTED[0]))])
    assert unknown.status_code == 400 and "photodna" in unknown.json()["error"]
    cut = matching_client.post("/v1/hash", headers=AUTH, files=[("images", ("cut.png", LISTED[0][:300]))])
    assert cut.status_code == 422
    from test_images_and_batching import png_claiming

    bomb = matching_client.post("/v1/hash", headers=AUTH, files=[("images", ("bomb.png", png_claiming(30_000, 30_000)))])
    assert bomb.status_code == 413 and "not decoded" in bomb.json()["error"]


def test_match_finds_listed_images_and_not_others(matching_client):
    files = [("images", ("listed.png", LISTED[1])), ("images", ("other.png", scene_bytes(99)))]
    response = matching_client.post("/v1/match", headers=AUTH, files=files)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["lists"] == ["known.csv"]
    listed, other = body["results"]
    found = {(m["hash_type"], m["id"], m["distance"]) for m in listed["matches"]}
    assert ("pdq", "item-1", 0) in found and ("sha256", "file-1", 0) in found
    assert all(m["category"] == "test-category" and m["list"] == "known.csv" for m in listed["matches"])
    assert not any(m["id"] in ("item-1", "file-1") for m in other["matches"])


def test_dihedral_matching_finds_mirrored_copies(matching_client):
    mirrored = [("images", ("mirrored.png", scene_bytes(2, mirror=True)))]
    plain = matching_client.post("/v1/match", headers=AUTH, files=mirrored).json()["results"][0]
    assert not any(m["id"] == "item-2" for m in plain["matches"])
    rotated = matching_client.post("/v1/match?dihedral=true", headers=AUTH, files=mirrored).json()
    (hit,) = [m for m in rotated["results"][0]["matches"] if m["id"] == "item-2"]
    assert hit["variant"] != "original" and hit["distance"] <= 31
    assert "pdq_dihedral" not in rotated["results"][0]["hashes"]


def test_match_by_hash_json(matching_client):
    pdq = hash_bytes(LISTED[0], ("pdq",))["pdq"]
    response = matching_client.post("/v1/match", headers=AUTH, json={"hashes": [{"pdq": pdq}, {"md5": "0" * 32}]})
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert [m["id"] for m in first["matches"]] == ["item-0"] and second["matches"] == []
    for bad in ({"hashes": []}, {"hashes": [{"pdq": 5}]}, {"hashes": [{"pdq": "zz" * 32}]},
                {"hashes": [{"pdq": pdq}], "threshold": -1}, {"nothing": 1}):
        refused = matching_client.post("/v1/match", headers=AUTH, json=bad)
        assert refused.status_code == 400, (bad, refused.text)
    broken = matching_client.post("/v1/match", headers={**AUTH, "Content-Type": "application/json"}, content=b"{")
    assert broken.status_code == 400


def test_match_without_lists_is_a_clear_404(client):
    response = client.post("/v1/match", headers=AUTH, json={"hashes": [{"md5": "0" * 32}]})
    assert response.status_code == 404 and "--hashlist" in response.json()["error"]
