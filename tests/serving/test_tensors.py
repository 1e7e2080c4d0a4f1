"""The v2 tensor codec, checked against the Triton client's own encoder and decoder."""

from __future__ import annotations

import gzip
import json
import zlib

import numpy as np
import pytest
import tritonclient.http as triton
from tritonclient.http import InferResult
from tritonclient.http._utils import _get_inference_request

from saferkit.serving.api_errors import ApiError
from saferkit.serving.tensors import decompress, encode_infer_response, parse_infer_request


def triton_body(array: np.ndarray, binary: bool, outputs=None):
    tensor = triton.InferInput("images", list(array.shape), "FP32")
    tensor.set_data_from_numpy(array, binary_data=binary)
    body, json_size = _get_inference_request([tensor], "req-1", outputs, 0, False, False, 0, None, None)
    return body, None if json_size is None else str(json_size)


@pytest.mark.parametrize("binary", [True, False])
def test_parses_what_the_triton_client_sends(binary):
    array = np.random.default_rng(0).random((2, 3, 4, 5), dtype=np.float32)
    request = parse_infer_request(*triton_body(array, binary))
    assert request.id == "req-1"
    assert request.outputs is None and request.binary_default is True
    (tensor,) = request.inputs
    assert (tensor.name, tensor.datatype, tensor.shape) == ("images", "FP32", (2, 3, 4, 5))
    np.testing.assert_array_equal(tensor.array, array)


def test_requested_outputs_and_nested_json_data():
    header = {"inputs": [{"name": "x", "datatype": "INT32", "shape": [2, 2], "data": [[1, 2], [3, 4]]}],
              "outputs": [{"name": "scores", "parameters": {"binary_data": True}}, {"name": "other"}]}
    request = parse_infer_request(json.dumps(header).encode(), None)
    np.testing.assert_array_equal(request.inputs[0].array, [[1, 2], [3, 4]])
    assert [(o.name, o.binary) for o in request.outputs] == [("scores", True), ("other", False)]
    assert request.binary_default is False


@pytest.mark.parametrize("binary", [True, False])
def test_responses_decode_with_the_triton_client(binary):
    scores = np.array([[0.25, 0.75], [0.9, 0.1]], dtype=np.float32)
    body, json_length = encode_infer_response("m", "1.0.0", "req-7", [("scores", scores, binary)])
    assert (json_length is not None) == binary
    result = InferResult.from_response_body(body, header_length=json_length)
    np.testing.assert_array_equal(result.as_numpy("scores"), scores)
    assert result.get_response()["id"] == "req-7"


BAD_REQUESTS = [
    (b"{not json", None, "not valid JSON"),
    (b"[1, 2]", None, "JSON object"),
    (b'{"inputs": []}', None, "non-empty 'inputs'"),
    (b'{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "data": [1.0]}]}', None, "needs 2"),
    (b'{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": ["a"]}]}', None, "not float32"),
    (b'{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "data": [[1], [2, 3]]}]}', None, "uneven"),
    (b'{"inputs": [{"name": "x", "datatype": "STRING", "shape": [1], "data": [1]}]}', None, "datatype"),
    (b'{"inputs": [{"name": "x", "datatype": "FP32", "shape": [-1], "data": [1]}]}', None, "shape"),
    (b'{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1]}]}', None, "no 'data'"),
    (b'{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "parameters": {"binary_data_size": 8}}]}1234',
     "auto", "body ends"),
    (b'{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "parameters": {"binary_data_size": 4}}]}12345678',
     "auto", "needs 8"),
    (b'{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "parameters": {"binary_data_size": 4}}]}12345678',
     "auto", "no input claims"),
    (b'{"inputs": []}', "abc", "must be an integer"),
    (b'{"inputs": []}', "999", "does not fit"),
    (b'{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1]}], "outputs": [{"name": "s", '
     b'"parameters": {"classification": 2}}]}', None, "classification"),
]


@pytest.mark.parametrize("body,header_length,message", BAD_REQUESTS)
def test_malformed_requests_are_400_with_a_reason(body, header_length, message):
    if header_length == "auto":  # the JSON header ends at its last closing brace
        header_length = str(body.rindex(b"}") + 1)
    with pytest.raises(ApiError, match=message) as caught:
        parse_infer_request(body, header_length)
    assert caught.value.status == 400


def test_decompression_is_bounded():
    data = b"x" * 10_000
    assert decompress(gzip.compress(data), "gzip", 20_000) == data
    assert decompress(zlib.compress(data), "deflate", 20_000) == data
    assert decompress(data, None, 20_000) == data
    with pytest.raises(ApiError) as bomb:
        decompress(gzip.compress(b"\0" * 5_000_000), "gzip", 100_000)
    assert bomb.value.status == 413
    with pytest.raises(ApiError) as unknown:
        decompress(data, "br", 20_000)
    assert unknown.value.status == 415
    with pytest.raises(ApiError) as broken:
        decompress(b"not gzip at all", "gzip", 20_000)
    assert broken.value.status == 400
