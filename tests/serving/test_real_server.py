"""A real uvicorn server on a loopback port: the standard Triton HTTP client, the CLI, the demo stage."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
import tritonclient.http as triton
from rich.console import Console
from serving_support import AUTH, KEY, build_app, expected_review_probability, image_bytes, scene_bytes
from toy_submissions import write_toy_submission
from tritonclient.utils import InferenceServerException

from saferkit.serving.server import BackgroundServer


@pytest.fixture(scope="module")
def server(module_tmp):
    app, _ = build_app(module_tmp)
    with BackgroundServer(app) as running:
        yield running


def test_triton_client_with_its_defaults(server):
    # (the client adds its own headers to the dict it is given, so each call gets a fresh one)
    client = triton.InferenceServerClient(f"127.0.0.1:{server.port}")
    try:
        assert client.is_server_live() and client.is_server_ready()
        assert client.is_model_ready("toy-red", headers=dict(AUTH))
        assert client.get_server_metadata(headers=dict(AUTH))["name"] == "saferkit"
        assert client.get_model_metadata("toy-red", headers=dict(AUTH))["inputs"][0]["shape"] == [-1, 3, 32, 32]
        batch = np.random.default_rng(3).random((4, 3, 32, 32), dtype=np.float32)
        images = triton.InferInput("images", list(batch.shape), "FP32")
        images.set_data_from_numpy(batch)  # binary by default
        result = client.infer("toy-red", [images], headers=dict(AUTH))
        assert result.get_response()["outputs"][0]["parameters"]["binary_data_size"] == 4 * 2 * 4
        np.testing.assert_allclose(result.as_numpy("scores")[:, 1], expected_review_probability(batch), atol=1e-5)
        as_json = client.infer("toy-red", [images], model_version="1.0.0", headers=dict(AUTH), request_id="r1",
                               outputs=[triton.InferRequestedOutput("scores", binary_data=False)],
                               request_compression_algorithm="gzip", response_compression_algorithm="deflate")
        np.testing.assert_allclose(as_json.as_numpy("scores"), result.as_numpy("scores"), atol=1e-6)
        assert as_json.get_response()["id"] == "r1"
        with pytest.raises(InferenceServerException) as unknown:
            client.infer("nope", [images], headers=dict(AUTH))
        assert unknown.value.status() == "404"
        with pytest.raises(InferenceServerException) as no_key:
            client.infer("toy-red", [images])
        assert no_key.value.status() == "401"
        wrong = triton.InferInput("images", [1, 3, 8, 8], "FP32")
        wrong.set_data_from_numpy(np.zeros((1, 3, 8, 8), np.float32))
        with pytest.raises(InferenceServerException, match="shape"):
            client.infer("toy-red", [wrong], headers=dict(AUTH))
    finally:
        client.close()


def test_concurrent_clients_each_get_their_own_answer(server):
    def one(i: int) -> tuple[float, float]:
        batch = np.zeros((1, 3, 32, 32), dtype=np.float32)
        batch[:, 0] = i / 20  # red channel only: the toy score depends on i
        header = ('{"inputs":[{"name":"images","datatype":"FP32","shape":[1,3,32,32],'
                  f'"parameters":{{"binary_data_size":{batch.nbytes}}}}}],'
                  '"parameters":{"binary_data_output":true}}').encode()
        response = httpx.post(f"{server.url}/v2/models/toy-red/infer", content=header + batch.tobytes(), timeout=60,
                              headers={**AUTH, "Inference-Header-Content-Length": str(len(header))})
        response.raise_for_status()
        json_length = int(response.headers["Inference-Header-Content-Length"])
        score = float(np.frombuffer(response.content[json_length:], dtype="<f4")[1])
        return score, float(expected_review_probability(batch)[0])

    def served() -> float:
        text = httpx.get(f"{server.url}/metrics", headers=AUTH).text
        found = re.search(r'^saferkit_requests_total\{endpoint="/v2/models/\{name\}/infer",method="POST",status="200"\} (\S+)$',
                          text, re.M)
        return float(found.group(1)) if found else 0.0

    before = served()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for got, expected in pool.map(one, range(16)):
            assert abs(got - expected) < 1e-5
    assert served() - before == 16


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def saferkit(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120, **kwargs)


def test_cli_refuses_unsafe_or_impossible_setups(tmp_path):
    sub = write_toy_submission(tmp_path / "sub")
    env = {"SAFERKIT_API_KEYS": ""}
    exposed = saferkit("serve", str(sub), "--host", "0.0.0.0", env=env)
    assert exposed.returncode == 2 and "without API keys" in exposed.stderr and "Traceback" not in exposed.stderr
    oversubscribed = saferkit("serve", str(sub), "--workers", "1", "--threads", "9999", env=env)
    assert oversubscribed.returncode == 2 and "exceeds" in oversubscribed.stderr
    missing = saferkit("serve", str(tmp_path / "nowhere"), env=env)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_cli_serves_until_interrupted(tmp_path):
    sub = write_toy_submission(tmp_path / "sub")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "saferkit", "serve", str(sub), "--port", str(port),
         "--audit-log", str(tmp_path / "audit.jsonl"), "--allow-unqualified"],
        env={**os.environ, "SAFERKIT_API_KEYS": KEY}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v2/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.2)
        else:
            pytest.fail("the server did not become ready")
        triage = httpx.post(f"http://127.0.0.1:{port}/v1/models/toy-red/triage", headers=AUTH, timeout=30,
                            files=[("images", ("a.jpg", image_bytes()))])
        assert triage.status_code == 200 and triage.json()["results"][0]["label"] == "review"
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "toy-red" in err and f"127.0.0.1:{port}" in err
    assert (tmp_path / "audit.jsonl").read_text().count("/v1/models/toy-red/triage") == 1


def test_demo_stage_serves_triages_matches_and_stops(tmp_path):
    from saferkit.demo import DemoContext
    from saferkit.hashing import HashRecord, hash_bytes, write_hashlist
    from saferkit.serving import demo_stage

    scene = scene_bytes(5)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "scene.png").write_bytes(scene)
    write_hashlist([HashRecord("pdq", hash_bytes(scene, ("pdq",))["pdq"], "scene-5")], tmp_path / "list.csv")
    ctx = DemoContext(out=tmp_path, console=Console(file=open(os.devnull, "w")))
    ctx.artifacts.update(submission_dir=write_toy_submission(tmp_path / "sub"), data_dir=tmp_path / "data",
                         hashlist_path=tmp_path / "list.csv")
    demo_stage.run(ctx)
    rows = [what for stage, what, _ in ctx.summary if stage == "serving"]
    assert any("triage via HTTP" in what for what in rows)
    assert "match via HTTP: 1 match(es)" in rows
    audit = (tmp_path / "serving" / "audit.jsonl").read_text()
    assert audit.count("/triage") == 1 and audit.count("/v1/match") == 1
