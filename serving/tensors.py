"""The Open Inference Protocol's tensor encoding: JSON tensors and the binary tensor data extension.

A request body is a JSON header, optionally followed by raw little-endian tensor
bytes; the `Inference-Header-Content-Length` header says where the JSON ends and
each input's `parameters.binary_data_size` how many bytes it takes. Responses
use the same layout when the client asks for binary outputs (the Triton client
does by default). Everything here is format only; the model checks live in
`serving/v2.py`.
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from saferkit.serving.api_errors import ApiError

DATATYPES: dict[str, np.dtype] = {
    "BOOL": np.dtype("bool"),
    "UINT8": np.dtype("<u1"), "UINT16": np.dtype("<u2"), "UINT32": np.dtype("<u4"), "UINT64": np.dtype("<u8"),
    "INT8": np.dtype("<i1"), "INT16": np.dtype("<i2"), "INT32": np.dtype("<i4"), "INT64": np.dtype("<i8"),
    "FP16": np.dtype("<f2"), "FP32": np.dtype("<f4"), "FP64": np.dtype("<f8"),
}
HEADER_LENGTH = "inference-header-content-length"
MAX_DIMS = 8


@dataclass
class InputTensor:
    name: str
    datatype: str
    shape: tuple[int, ...]
    array: np.ndarray


@dataclass
class RequestedOutput:
    name: str
    binary: bool


@dataclass
class InferRequest:
    id: str | None
    inputs: list[InputTensor]
    outputs: list[RequestedOutput] | None  # None: every output, in `binary_default` form
    binary_default: bool
    parameters: dict[str, Any] = field(default_factory=dict)


def decompress(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo `Content-Encoding: gzip|deflate`, never inflating past `limit` bytes (zip bombs)."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding not in ("gzip", "deflate"):
        raise ApiError(415, f"Content-Encoding {encoding!r} is not supported; use gzip, deflate or none.")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise ApiError(400, f"the {encoding} body cannot be decompressed: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise ApiError(413, f"the decompressed body is larger than the {limit}-byte limit.")
    return out


def _header(body: bytes, header_length: str | None) -> tuple[dict[str, Any], memoryview]:
    if header_length is None:
        json_bytes, rest = body, memoryview(b"")
    else:
        try:
            size = int(header_length)
        except ValueError:
            raise ApiError(400, f"Inference-Header-Content-Length must be an integer, not {header_length!r}.") from None
        if not 0 < size <= len(body):
            raise ApiError(400, f"Inference-Header-Content-Length {size} does not fit the {len(body)}-byte body.")
        json_bytes, rest = body[:size], memoryview(body)[size:]
    try:
        header = json.loads(json_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the request is not valid JSON: {exc}") from None
    if not isinstance(header, dict):
        raise ApiError(400, "the inference request must be a JSON object with an 'inputs' list.")
    return header, rest


def _shape(raw: Any, where: str) -> tuple[int, ...]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_DIMS or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in raw):
        raise ApiError(400, f"{where}.shape must be a list of 1 to {MAX_DIMS} non-negative integers, not {raw!r}.")
    return tuple(raw)


def _json_array(data: Any, dtype: np.dtype, shape: tuple[int, ...], where: str) -> np.ndarray:
    if not isinstance(data, list):
        raise ApiError(400, f"{where}.data must be a list of numbers (flat or nested in row-major order).")
    try:
        array = np.asarray(data, dtype=np.float64 if dtype.kind == "f" else dtype)
    except (ValueError, TypeError, OverflowError):
        raise ApiError(400, f"{where}.data holds values that are not {dtype.name} numbers, or nested lists of "
                            "uneven length.") from None
    count = math.prod(shape)
    if array.size != count:
        raise ApiError(400, f"{where}.data holds {array.size} values but shape {list(shape)} needs {count}.")
    with np.errstate(over="ignore", invalid="ignore"):  # out-of-range values become inf; the model check refuses them
        return array.reshape(shape).astype(dtype, copy=False)


def parse_infer_request(body: bytes, header_length: str | None) -> InferRequest:
    """Decode a v2 inference request; any inconsistency is a 400 naming the field."""
    header, binary = _header(body, header_length)
    inputs_raw = header.get("inputs")
    if not isinstance(inputs_raw, list) or not inputs_raw:
        raise ApiError(400, "the request needs a non-empty 'inputs' list.")
    inputs: list[InputTensor] = []
    offset = 0
    for index, raw in enumerate(inputs_raw):
        where = f"inputs[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise ApiError(400, f"{where} must be an object with a 'name'.")
        datatype = raw.get("datatype")
        if datatype not in DATATYPES:
            raise ApiError(400, f"{where}.datatype {datatype!r} is not supported; use one of {', '.join(DATATYPES)}.")
        dtype = DATATYPES[datatype]
        shape = _shape(raw.get("shape"), where)
        params = raw.get("parameters") or {}
        if not isinstance(params, dict):
            raise ApiError(400, f"{where}.parameters must be an object.")
        size = params.get("binary_data_size")
        if size is not None:
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise ApiError(400, f"{where}.parameters.binary_data_size must be a non-negative integer.")
            if "data" in raw:
                raise ApiError(400, f"{where} has both 'data' and binary_data_size; send one.")
            expected = math.prod(shape) * dtype.itemsize
            if size != expected:
                raise ApiError(400, f"{where} sends {size} bytes but {datatype} shape {list(shape)} needs {expected}.")
            if offset + size > len(binary):
                raise ApiError(400, f"{where} needs {size} bytes of binary data but the body ends after "
                                    f"{len(binary) - offset}.")
            array = np.frombuffer(binary[offset:offset + size], dtype=dtype).reshape(shape)
            offset += size
        elif "data" in raw:
            array = _json_array(raw["data"], dtype, shape, where)
        else:
            raise ApiError(400, f"{where} has no 'data' and no parameters.binary_data_size.")
        inputs.append(InputTensor(raw["name"], datatype, shape, array))
    if offset != len(binary):
        raise ApiError(400, f"the body carries {len(binary) - offset} bytes of binary data that no input claims.")
    return InferRequest(
        id=_request_id(header),
        inputs=inputs,
        outputs=_requested_outputs(header),
        binary_default=bool((header.get("parameters") or {}).get("binary_data_output", False)),
        parameters=header.get("parameters") or {},
    )


def _request_id(header: dict[str, Any]) -> str | None:
    ident = header.get("id")
    if ident is not None and not isinstance(ident, str):
        raise ApiError(400, "'id' must be a string.")
    return ident


def _requested_outputs(header: dict[str, Any]) -> list[RequestedOutput] | None:
    raw = header.get("outputs")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ApiError(400, "'outputs' must be a list of {\"name\": ...} objects.")
    outputs = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ApiError(400, f"outputs[{index}] must be an object with a 'name'.")
        params = item.get("parameters") or {}
        if not isinstance(params, dict):
            raise ApiError(400, f"outputs[{index}].parameters must be an object.")
        if params.get("classification"):
            raise ApiError(400, "the classification extension is not supported; request the scores and use "
                                "/v1/models/{name}/triage for labels.")
        outputs.append(RequestedOutput(item["name"], bool(params.get("binary_data", False))))
    return outputs


def encode_infer_response(model_name: str, model_version: str, request_id: str | None,
                          outputs: list[tuple[str, np.ndarray, bool]]) -> tuple[bytes, int | None]:
    """The response body and, when any output is binary, the JSON header's length."""
    header: dict[str, Any] = {"model_name": model_name, "model_version": model_version}
    if request_id is not None:
        header["id"] = request_id
    described, blobs = [], []
    for name, array, binary in outputs:
        array = np.ascontiguousarray(array, dtype=np.float32)
        entry: dict[str, Any] = {"name": name, "datatype": "FP32", "shape": list(array.shape)}
        if binary:
            blob = array.astype("<f4", copy=False).tobytes()
            entry["parameters"] = {"binary_data_size": len(blob)}
            blobs.append(blob)
        else:
            entry["data"] = array.reshape(-1).tolist()
        described.append(entry)
    header["outputs"] = described
    json_bytes = json.dumps(header, separators=(",", ":")).encode()
    if not blobs:
        return json_bytes, None
    return b"".join([json_bytes, *blobs]), len(json_bytes)


def compress_for(accept_encoding: str | None, body: bytes) -> tuple[bytes, str | None]:
    """Compress a response when the client asked for gzip or deflate."""
    accepted = {part.split(";")[0].strip().lower() for part in (accept_encoding or "").split(",")}
    if "gzip" in accepted:
        return gzip.compress(body, compresslevel=1), "gzip"
    if "deflate" in accepted:
        return zlib.compress(body, 1), "deflate"
    return body, None
