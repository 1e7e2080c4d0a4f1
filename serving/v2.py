"""Open Inference Protocol (v2) endpoints, as Triton, KServe and MLServer serve them.

Inputs are the model's own tensor (float32 NCHW, already preprocessed as the
submission declares); outputs are the per-label probabilities from the shared
runner. JSON tensors and the binary tensor data extension are both accepted and
both produced, so the standard Triton HTTP client works with its defaults.
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from saferkit import __version__
from saferkit.serving.api_errors import ApiError
from saferkit.serving.models import ServedModel
from saferkit.serving.state import model_for_request, server_state
from saferkit.serving.tensors import (HEADER_LENGTH, InferRequest, compress_for, decompress,
                                      encode_infer_response, parse_infer_request)

router = APIRouter(tags=["Open Inference Protocol v2"])
INLINE_PARSE_BYTES = 256 * 1024  # bigger bodies are parsed off the event loop

INFER_BODY = {
    "requestBody": {
        "required": True,
        "description": "An inference request: JSON, or JSON followed by binary tensor data "
                       "(set Inference-Header-Content-Length to the JSON's length).",
        "content": {
            "application/json": {"schema": {"type": "object", "required": ["inputs"], "properties": {
                "id": {"type": "string"},
                "inputs": {"type": "array", "items": {"type": "object", "required": ["name", "shape", "datatype"]}},
                "outputs": {"type": "array", "items": {"type": "object", "required": ["name"]}},
                "parameters": {"type": "object"}}}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get("/v2", summary="Server metadata")
async def server_metadata() -> dict:
    return {"name": "saferkit", "version": __version__, "extensions": ["binary_tensor_data"]}


@router.get("/v2/health/live", summary="Liveness (no API key needed)")
async def live() -> dict:
    return {"live": True}


@router.get("/v2/health/ready", summary="Readiness: every model warmed up (no API key needed)")
async def ready(request: Request):
    if server_state(request).models.ready:
        return {"ready": True}
    return JSONResponse({"ready": False, "error": "models are still warming up"}, status_code=503)


def _model(request: Request, name: str, version: str | None) -> ServedModel:
    return model_for_request(request, name, version, ready=False)


@router.get("/v2/models/{name}", summary="Model metadata")
@router.get("/v2/models/{name}/versions/{version}", summary="Model metadata (one version)")
async def model_metadata(request: Request, name: str, version: str | None = None) -> dict:
    return _model(request, name, version).metadata()


@router.get("/v2/models/{name}/ready", summary="Model readiness")
@router.get("/v2/models/{name}/versions/{version}/ready", summary="Model readiness (one version)")
async def model_ready(request: Request, name: str, version: str | None = None):
    model = _model(request, name, version)
    body = {"name": model.name, "ready": model.ready}
    return body if model.ready else JSONResponse({**body, "error": "warming up"}, status_code=503)


@router.get("/v2/models/{name}/config", summary="Model configuration (Triton's model configuration extension)")
@router.get("/v2/models/{name}/versions/{version}/config", summary="Model configuration (one version)")
async def model_config(request: Request, name: str, version: str | None = None) -> dict:
    model = _model(request, name, version)
    meta = model.metadata()
    batching = server_state(request).config.batching
    return {
        "name": model.name, "platform": meta["platform"], "max_batch_size": batching.max_batch_size,
        "input": [{"name": i["name"], "data_type": "TYPE_FP32", "dims": i["shape"][1:]} for i in meta["inputs"]],
        "output": [{"name": o["name"], "data_type": "TYPE_FP32", "dims": o["shape"][1:]} for o in meta["outputs"]],
        "dynamic_batching": {"max_queue_delay_microseconds": int(batching.max_queue_delay_ms * 1000)},
    }


@router.post("/v2/models/{name}/infer", summary="Inference", openapi_extra=INFER_BODY)
@router.post("/v2/models/{name}/versions/{version}/infer", summary="Inference (one version)", openapi_extra=INFER_BODY)
async def infer(request: Request, name: str, version: str | None = None) -> Response:
    state = server_state(request)
    model = model_for_request(request, name, version)
    body = decompress(await request.body(), request.headers.get("content-encoding"), state.config.limits.max_body_bytes)
    header_length = request.headers.get(HEADER_LENGTH)
    if len(body) > INLINE_PARSE_BYTES and header_length is None:
        parsed = await run_in_threadpool(parse_infer_request, body, header_length)
    else:
        parsed = parse_infer_request(body, header_length)
    images = _model_input(model, parsed, state.config.limits.max_images_per_request)
    wanted = _requested_outputs(model, parsed)
    probabilities = await model.batcher.submit(images)
    state.metrics.images.labels("infer").inc(images.shape[0])
    content, json_length = encode_infer_response(model.name, model.version, parsed.id,
                                                 [(name, probabilities, binary) for name, binary in wanted])
    content, encoding = compress_for(request.headers.get("accept-encoding"), content)
    headers = {}
    if json_length is not None:
        headers["Inference-Header-Content-Length"] = str(json_length)
    if encoding:
        headers["Content-Encoding"] = encoding
    media = "application/octet-stream" if json_length is not None else "application/json"
    return Response(content, media_type=media, headers=headers)


def _model_input(model: ServedModel, request: InferRequest, max_images: int) -> np.ndarray:
    """The one input tensor the model takes, checked against its metadata (400 for any mismatch)."""
    expected_name = model.runner.input_name
    if len(request.inputs) != 1:
        raise ApiError(400, f"model {model.name!r} takes exactly one input ({expected_name!r}); got {len(request.inputs)}.")
    tensor = request.inputs[0]
    if tensor.name != expected_name:
        raise ApiError(400, f"model {model.name!r} has no input {tensor.name!r}; its input is {expected_name!r}.")
    if tensor.datatype != "FP32":
        raise ApiError(400, f"input {expected_name!r} must be FP32, not {tensor.datatype}.")
    want = model.input_shape
    if len(tensor.shape) != 4 or tuple(tensor.shape[1:]) != want:
        raise ApiError(400, f"input {expected_name!r} must have shape [N, {', '.join(map(str, want))}] "
                            f"(NCHW, preprocessed as the submission declares); got {list(tensor.shape)}.")
    if tensor.shape[0] < 1:
        raise ApiError(400, f"input {expected_name!r} holds no images (N = 0).")
    if tensor.shape[0] > max_images:
        raise ApiError(413, f"{tensor.shape[0]} images in one request; send at most {max_images}.")
    array = np.ascontiguousarray(tensor.array, dtype=np.float32)
    if not np.isfinite(array).all():
        raise ApiError(400, f"input {expected_name!r} contains NaN or infinite values.")
    return array


def _requested_outputs(model: ServedModel, request: InferRequest) -> list[tuple[str, bool]]:
    """(name, binary) per output to return; checked before the model runs."""
    output_name = model.runner.output_name
    if request.outputs is None:
        return [(output_name, request.binary_default)]
    unknown = [o.name for o in request.outputs if o.name != output_name]
    if unknown:
        raise ApiError(400, f"model {model.name!r} has no output {unknown[0]!r}; its output is {output_name!r}.")
    return [(output_name, wanted.binary) for wanted in request.outputs]
