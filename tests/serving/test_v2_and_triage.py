"""The served endpoints against the toy model, whose scores are known from the pixels alone."""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
from PIL import Image
from serving_support import AUTH, expected_review_probability, image_bytes

from saferkit.evaluation.submission import load_submission


def test_health_needs_no_key_and_reports_ready(client):
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").json() == {"ready": True}


def test_server_and_model_metadata(client):
    assert client.get("/v2", headers=AUTH).json()["extensions"] == ["binary_tensor_data"]
    for path in ("/v2/models/toy-red", "/v2/models/toy-red/versions/1.0.0"):
        meta = client.get(path, headers=AUTH).json()
        assert meta["name"] == "toy-red" and meta["versions"] == ["1.0.0"]
        assert meta["inputs"] == [{"name": "images", "datatype": "FP32", "shape": [-1, 3, 32, 32]}]
        assert meta["outputs"] == [{"name": "scores", "datatype": "FP32", "shape": [-1, 2]}]
        assert meta["parameters"]["sha256"] == client.state.models.get("toy-red").submission.sha256
    assert client.get("/v2/models/toy-red/ready", headers=AUTH).json() == {"name": "toy-red", "ready": True}
    assert client.get("/v2/models/toy-red/versions/1.0.0/ready", headers=AUTH).status_code == 200
    missing = client.get("/v2/models/toy-red/versions/9.9.9", headers=AUTH)
    assert missing.status_code == 404 and "9.9.9" in missing.json()["error"]


def test_json_inference_matches_the_model_formula(client):
    batch = np.random.default_rng(1).random((3, 3, 32, 32), dtype=np.float32)
    body = {"id": "abc", "inputs": [{"name": "images", "datatype": "FP32", "shape": [3, 3, 32, 32],
                                     "data": batch.ravel().tolist()}]}
    response = client.post("/v2/models/toy-red/versions/1.0.0/infer", headers=AUTH, json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["id"] == "abc" and result["model_name"] == "toy-red" and result["model_version"] == "1.0.0"
    (output,) = result["outputs"]
    assert output["name"] == "scores" and output["shape"] == [3, 2]
    scores = np.array(output["data"]).reshape(3, 2)
    np.testing.assert_allclose(scores[:, 1], expected_review_probability(batch), atol=1e-5)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)


def test_binary_inference_round_trip(client):
    batch = np.random.default_rng(2).random((2, 3, 32, 32), dtype=np.float32)
    header = ('{"inputs":[{"name":"images","datatype":"FP32","shape":[2,3,32,32],'
              f'"parameters":{{"binary_data_size":{batch.nbytes}}}}}],'
              '"outputs":[{"name":"scores","parameters":{"binary_data":true}}]}').encode()
    response = client.post("/v2/models/toy-red/infer", content=header + batch.tobytes(),
                           headers={**AUTH, "Inference-Header-Content-Length": str(len(header)),
                                    "Accept-Encoding": "identity"})
    assert response.status_code == 200, response.text
    json_length = int(response.headers["Inference-Header-Content-Length"])
    meta = json.loads(response.content[:json_length])
    assert meta["outputs"][0]["parameters"]["binary_data_size"] == 2 * 2 * 4
    scores = np.frombuffer(response.content[json_length:], dtype="<f4").reshape(2, 2)
    np.testing.assert_allclose(scores[:, 1], expected_review_probability(batch), atol=1e-5)


def test_model_config_for_triton_clients(client):
    config = client.get("/v2/models/toy-red/config", headers=AUTH).json()
    assert config["max_batch_size"] == 8
    assert config["input"][0]["dims"] == [3, 32, 32]


def _triage(client, *images, name="toy-red"):
    files = [("images", (f"img{i}.{fmt.lower()}", data, f"image/{fmt.lower()}")) for i, (data, fmt) in enumerate(images)]
    return client.post(f"/v1/models/{name}/triage", headers=AUTH, files=files)


def test_triage_labels_each_image_at_the_submission_threshold(client):
    red, green = image_bytes((220, 10, 10)), image_bytes((10, 220, 10), fmt="PNG")
    response = _triage(client, (red, "JPEG"), (green, "PNG"))
    assert response.status_code == 200, response.text
    body = response.json()
    submission = load_submission(client.state.models.get("toy-red").submission.source)
    assert body["model"] == {"name": "toy-red", "version": "1.0.0", "sha256": submission.sha256}
    assert body["threshold"] == 0.5 and body["positive_label"] == "review"
    first, second = body["results"]
    assert (first["filename"], first["label"], first["flagged"]) == ("img0.jpeg", "review", True)
    assert (second["filename"], second["label"], second["flagged"]) == ("img1.png", "clear", False)
    assert first["score"] > 0.9 > 0.1 > second["score"]
    assert abs(first["scores"]["review"] + first["scores"]["clear"] - 1) < 1e-5
    # The server preprocesses exactly like the shared runner (and hence like evaluation)
    runner = client.state.models.get("toy-red").runner
    direct = runner.positive_scores(runner.run(runner.preprocess([Image.open(io.BytesIO(red))])))
    assert abs(first["score"] - float(direct[0])) < 1e-5
    assert first["sha256"] == hashlib.sha256(red).hexdigest()


def test_list_models(client):
    (model,) = client.get("/v1/models", headers=AUTH).json()["models"]
    assert model["name"] == "toy-red" and model["threshold"] == 0.5 and model["ready"] is True


def test_metrics_count_requests_batches_and_images(client):
    _triage(client, (image_bytes(), "JPEG"))
    text = client.get("/metrics", headers=AUTH).text
    assert 'saferkit_requests_total{endpoint="/v1/models/{name}/triage",method="POST",status="200"}' in text
    assert 'saferkit_images_total{kind="triage"}' in text
    assert 'saferkit_batch_size_count{model="toy-red"}' in text
    assert 'saferkit_queue_seconds_bucket' in text and 'saferkit_request_duration_seconds_bucket' in text
    assert "saferkit_ready 1.0" in text


def test_openapi_document_needs_a_key_and_docs_are_off(client):
    assert client.get("/openapi.json").status_code == 401
    spec = client.get("/openapi.json", headers=AUTH).json()
    assert "/v2/models/{name}/infer" in spec["paths"] and "/v1/models/{name}/triage" in spec["paths"]
    assert set(spec["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert spec["paths"]["/v2/health/live"]["get"]["security"] == []
    assert client.get("/docs", headers=AUTH).status_code == 404


def test_labels_at_threshold_for_binary_and_multiclass():
    from saferkit.evaluation.labels import labels_at_threshold

    probs = np.array([[0.7, 0.3], [0.2, 0.8]])
    assert labels_at_threshold(["clear", "review"], 1, "review", 0.3, probs, probs[:, 1]) == ["review", "review"]
    assert labels_at_threshold(["clear", "review"], 1, "review", 0.5, probs, probs[:, 1]) == ["clear", "review"]
    three = np.array([[0.6, 0.1, 0.3], [0.1, 0.7, 0.2], [0.9, 0.05, 0.05]])
    labels = ["none", "cat-a", "cat-b"]
    assert labels_at_threshold(labels, 1, None, 0.35, three, 1 - three[:, 0]) == ["cat-b", "cat-a", "none"]
    assert labels_at_threshold(labels, 2, "cat-b", 0.25, three, three[:, 2]) == ["cat-b", "cat-a", "none"]
