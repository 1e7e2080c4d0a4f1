"""Every kind of bad request gets a 4xx with a clear message, and the server keeps serving.

Also the security defaults: keys on everything but health, rate limits, body
and pixel limits, docs off by default, an audit line per request without images,
and no image ever written to disk.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from serving_support import AUTH, KEY, OTHER_KEY, build_app, image_bytes

from saferkit.serving.config import LimitsConfig

GOOD_INFER = {"inputs": [{"name": "images", "datatype": "FP32", "shape": [1, 3, 32, 32],
                          "data": np.zeros(3 * 32 * 32).tolist()}]}


def infer_with(**changes):
    tensor = {**GOOD_INFER["inputs"][0], **changes}
    return json.dumps({"inputs": [tensor]})


def png_bomb() -> bytes:
    from test_images_and_batching import png_claiming

    return png_claiming(30_000, 30_000)


def _bad_requests():
    jpeg = image_bytes(size=(64, 64))
    infer, triage = "/v2/models/toy-red/infer", "/v1/models/toy-red/triage"
    json_headers = {**AUTH, "Content-Type": "application/json"}
    yield "malformed JSON", "POST", infer, {"content": b'{"inputs": [', "headers": json_headers}, 400
    yield "wrong shape", "POST", infer, {"content": infer_with(shape=[1, 3, 16, 16], data=[0.0] * 768),
                                         "headers": json_headers}, 400
    yield "wrong datatype", "POST", infer, {"content": infer_with(datatype="INT32", data=[0] * 3072),
                                            "headers": json_headers}, 400
    yield "NaN", "POST", infer, {"content": infer_with(data=[float("nan")] * 3072), "headers": json_headers}, 400
    yield "infinity", "POST", infer, {"content": infer_with(data=[1e39] * 3072), "headers": json_headers}, 400
    yield "wrong input name", "POST", infer, {"content": infer_with(name="pixels"), "headers": json_headers}, 400
    yield "unknown output", "POST", infer, {"content": json.dumps({**GOOD_INFER, "outputs": [{"name": "nope"}]}),
                                            "headers": json_headers}, 400
    yield "unknown model (v2)", "POST", "/v2/models/nope/infer", {"content": json.dumps(GOOD_INFER),
                                                                  "headers": json_headers}, 404
    yield "unknown model (triage)", "POST", "/v1/models/nope/triage", {"files": [("images", ("a.jpg", jpeg))],
                                                                      "headers": AUTH}, 404
    yield "truncated upload", "POST", triage, {"files": [("images", ("cut.jpg", jpeg[:200]))], "headers": AUTH}, 422
    yield "non-image upload", "POST", triage, {"files": [("images", ("notes.txt", b"just some text"))],
                                               "headers": AUTH}, 422
    yield "empty upload", "POST", triage, {"files": [("images", ("empty.jpg", b""))], "headers": AUTH}, 422
    yield "decompression bomb", "POST", triage, {"files": [("images", ("bomb.png", png_bomb()))], "headers": AUTH}, 413
    yield "format not allowed", "POST", triage, {"files": [("images", ("a.ico", image_bytes(size=(16, 16), fmt="ICO")))],
                                                 "headers": AUTH}, 415
    yield "no images", "POST", triage, {
        "content": b"--xyz\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--xyz--\r\n",
        "headers": {**AUTH, "Content-Type": "multipart/form-data; boundary=xyz"}}, 400
    yield "not multipart", "POST", triage, {"content": b"raw bytes", "headers": AUTH}, 400
    yield "cut-short multipart", "POST", triage, {
        "content": b"--xyz\r\nContent-Disposition: form-data; name=\"images\"; filename=\"a.jpg\"\r\n\r\n" + jpeg[:100],
        "headers": {**AUTH, "Content-Type": "multipart/form-data; boundary=xyz"}}, 400
    yield "oversized body", "POST", infer, {"content": b"x" * (2 * 1024 * 1024 + 1), "headers": json_headers}, 413
    yield "missing key", "POST", infer, {"content": json.dumps(GOOD_INFER)}, 401
    yield "wrong key", "POST", infer, {"content": json.dumps(GOOD_INFER),
                                       "headers": {"Authorization": "Bearer wrong-key-0123456789"}}, 401
    yield "unknown path", "GET", "/v3/everything", {"headers": AUTH}, 404
    yield "wrong method", "DELETE", "/v2/models/toy-red", {"headers": AUTH}, 405


BAD = list(_bad_requests())


def test_each_bad_request_is_a_4xx_and_the_server_keeps_serving(client):
    for what, method, path, kwargs, status in BAD:
        response = client.request(method, path, **kwargs)
        assert response.status_code == status, f"{what}: {response.status_code} {response.text}"
        error = response.json().get("error")
        assert isinstance(error, str) and len(error) > 10, f"{what}: {response.text}"
        good = client.post("/v2/models/toy-red/infer", headers=AUTH, json=GOOD_INFER)
        assert good.status_code == 200, f"after {what}: {good.text}"
    triage = client.post("/v1/models/toy-red/triage", headers=AUTH, files=[("images", ("ok.jpg", image_bytes()))])
    assert triage.status_code == 200


def test_both_key_headers_work_and_health_is_open(client):
    assert client.get("/v2", headers={"X-API-Key": OTHER_KEY}).status_code == 200
    assert client.get("/v2", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    for path in ("/v2", "/v2/models/toy-red", "/metrics", "/v1/models", "/v2/models/toy-red/ready"):
        response = client.get(path)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer", path
    assert client.get("/v2/health/live").status_code == 200


def test_audit_log_has_one_line_per_request_and_no_image(module_tmp, client):
    secret_pixels = image_bytes((123, 45, 67), size=(40, 40), fmt="PNG")
    client.post("/v1/models/toy-red/triage", headers=AUTH, files=[("images", ("case-file.png", secret_pixels))])
    client.get("/v2/models/toy-red", headers={"X-API-Key": "wrong-key-0123456789"})
    raw = (module_tmp / "audit.jsonl").read_bytes()
    assert secret_pixels not in raw and secret_pixels.hex() not in raw.decode()
    lines = [json.loads(line) for line in raw.decode().splitlines()]
    triage, denied = lines[-2], lines[-1]
    assert triage["endpoint"] == "/v1/models/toy-red/triage" and triage["status"] == 200 and triage["outcome"] == "ok"
    assert triage["model"] == "toy-red:1.0.0" and len(triage["model_sha256"]) == 64
    assert triage["images"] == [hashlib.sha256(secret_pixels).hexdigest()]
    assert len(triage["input_sha256"]) == 64 and triage["key_id"].startswith("key-") and triage["time"]
    assert KEY not in raw.decode()
    assert denied["status"] == 401 and denied["key_id"] is None and denied["outcome"].startswith("error:")
    assert not any(line["endpoint"].startswith("/v2/health") for line in lines)


def test_images_are_never_written_to_disk(client, monkeypatch):
    """Uploads over 1 MiB are where Starlette's own form parser would spool to a temporary file."""
    opened = []
    for name in ("TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        original = getattr(tempfile, name)

        def recording(*args, _original=original, _name=name, **kwargs):
            opened.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(tempfile, name, recording)
    noisy = np.random.default_rng(0).integers(0, 255, (700, 700, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, "PNG")
    assert len(buffer.getvalue()) > 1024 * 1024
    response = client.post("/v1/models/toy-red/triage", headers=AUTH, files=[("images", ("big.png", buffer.getvalue()))])
    assert response.status_code == 200, response.text
    assert opened == []


def test_rate_limit_per_key(tmp_path):
    app, _ = build_app(tmp_path, limits=LimitsConfig(rate_limit_per_s=0.001, rate_burst=3))
    with TestClient(app) as client:
        statuses = [client.get("/v2", headers=AUTH).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        limited = client.get("/v2", headers=AUTH)
        assert "rate limit" in limited.json()["error"] and int(limited.headers["Retry-After"]) >= 1
        assert client.get("/v2", headers={"X-API-Key": OTHER_KEY}).status_code == 200
        assert client.get("/v2/health/ready").status_code == 200


def test_pixel_limit_and_image_count_are_configurable(tmp_path):
    app, _ = build_app(tmp_path, limits=LimitsConfig(max_pixels=1000, max_images_per_request=2, rate_limit_per_s=0))
    with TestClient(app) as client:
        too_big = client.post("/v1/models/toy-red/triage", headers=AUTH,
                              files=[("images", ("a.jpg", image_bytes(size=(40, 40))))])
        assert too_big.status_code == 413 and "1,600 pixels" in too_big.json()["error"]
        small = image_bytes(size=(20, 20))
        too_many = client.post("/v1/models/toy-red/triage", headers=AUTH,
                               files=[("images", (f"{i}.jpg", small)) for i in range(3)])
        assert too_many.status_code == 413 and "at most 2" in too_many.json()["error"]
        assert client.post("/v1/models/toy-red/triage", headers=AUTH,
                           files=[("images", ("ok.jpg", small))]).status_code == 200


def test_docs_only_when_asked(tmp_path):
    app, _ = build_app(tmp_path, docs=True)
    with TestClient(app) as client:
        assert client.get("/docs").status_code == 200
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/v2").status_code == 401


@pytest.mark.parametrize("problem,message", [("duplicate", "two submissions are named"), ("missing", "does not exist"),
                                             ("nan", "NaN"), ("unnormalised", "probabilities")])
def test_bad_submissions_stop_the_server_before_it_starts(tmp_path, problem, message):
    """The harness's submission check runs first: the server never serves what evaluation would refuse."""
    from toy_submissions import write_toy_submission

    from saferkit.core.errors import UserError

    first = write_toy_submission(tmp_path / "a")
    if problem == "duplicate":
        second = write_toy_submission(tmp_path / "b")
    elif problem == "missing":
        second = tmp_path / "nowhere"
    else:
        second = write_toy_submission(tmp_path / problem, kind=problem, name=problem)
    with pytest.raises(UserError, match=message):
        build_app(tmp_path, submissions=[first, second])
