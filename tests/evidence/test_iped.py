"""The IPED remote classifier route, driven by a client written from docs/serving.md (as IPED's task does it)."""

from __future__ import annotations

import io
import zipfile

import pytest

KEY = "k" * 32


class IpedClient:
    """What IPED's RemoteImageClassifierTask does, per docs/serving.md: GET {base}/version, POST {base}/zip."""

    def __init__(self, http, base: str) -> None:
        self.http, self.base = http, base
        self.headers = {"Authorization": f"Bearer {KEY}"}  # what the TLS proxy in front of the server adds

    def version(self) -> dict:
        response = self.http.get(f"{self.base}/version", headers=self.headers)
        response.raise_for_status()
        body = response.json()
        if not (body["protocol_version"].startswith("v1") and body["model_version"].startswith("v1")):
            raise RuntimeError("incompatible versions")
        return body

    def classify(self, files: dict[str, bytes]):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return self.http.post(f"{self.base}/zip", headers=self.headers,
                              files={"file": ("batch.zip", buffer.getvalue(), "application/octet-stream")})


@pytest.fixture
def client(tmp_path, toy_submission):
    from fastapi.testclient import TestClient

    from saferkit.serving.app import create_app, load_state
    from saferkit.serving.config import serve_config
    from saferkit.serving.keys import ApiKeys

    state = load_state([toy_submission()], [], serve_config(audit_log=tmp_path / "audit.jsonl", max_images=4), ApiKeys([KEY]),
                       allow_unqualified=True)
    with TestClient(create_app(state)) as http:
        name = http.get("/v1/models", headers={"Authorization": f"Bearer {KEY}"}).json()["models"][0]["name"]
        yield IpedClient(http, f"/iped/{name}"), http, name


def test_version_then_zip_gives_one_result_per_entry_with_ai_classes(client, drive):
    iped, http, name = client
    assert iped.version()["model"] == name
    files = {"1.png": drive["listed"][0].read_bytes(), "2.png": drive["unlisted"][0].read_bytes(), "notes.txt": b"not an image"}
    response = iped.classify(files)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["filename"] for r in results] == list(files)
    for result in results[:2]:
        assert 0.0 <= result["class"]["AI_CSAM"] <= 1.0
        assert any(key.startswith("AI_") and key != "AI_CSAM" for key in result["class"])
    assert "class" not in results[2] and results[2]["error"]
    triage = http.post(f"/v1/models/{name}/triage", headers=iped.headers,
                       files={"image": ("1.png", files["1.png"], "image/png")}).json()["results"][0]
    assert results[0]["class"]["AI_CSAM"] == pytest.approx(triage["score"])  # the same score as /triage


def test_bad_requests_are_refused_with_one_clear_message(client, drive):
    iped, http, _ = client
    not_zip = http.post(f"{iped.base}/zip", headers=iped.headers, files={"file": ("x.zip", b"plain bytes", "application/zip")})
    assert not_zip.status_code == 400 and "not a zip" in not_zip.json()["error"]
    too_many = iped.classify({f"{i}.png": drive["listed"][0].read_bytes() for i in range(5)})
    assert too_many.status_code == 413 and "batchSize" in too_many.json()["error"]
    assert http.get(f"{iped.base}/version").status_code == 401  # the API key is required, as everywhere
    assert http.get("/iped/no-such-model/version", headers=iped.headers).status_code == 404
