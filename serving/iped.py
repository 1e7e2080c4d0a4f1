"""IPED's remote image classifier protocol, so IPED can send a case's images to a served, qualified model.

IPED's `RemoteImageClassifierTask` (enabled in its RemoteImageClassifierConfig)
talks to a base URL with two requests, which this router answers under
`/iped/{model}`:

- `GET {base}/version` -> `{"protocol_version": "v1...", "model_version": "v1..."}`;
  IPED refuses versions that do not start with `v1`.
- `POST {base}/zip`, multipart field `file`: a zip of image files (IPED names
  each entry after the item; video frames as `N_name`) ->
  `{"results": [{"filename": NAME, "class": {"AI_CSAM": P, ...}}, ...]}` with
  one result per zip entry and probabilities in 0..1. IPED reads the classes
  `AI_CSAM`, `AI_LIKELYCSAM`, `AI_People`, `AI_Porn` and `AI_Drawing*`; this
  server puts the model's positive-class score under `AI_CSAM` and every
  class of the model under `AI_<label>`. An entry that cannot be classified
  (not an image, too large, corrupt) gets `"error"` and no `"class"`, which
  IPED counts as a failed classification of that item.

The routes sit behind the same API key, limits and audit as every other route
(IPED sends no key and speaks only https: put a TLS proxy in front that adds
`Authorization: Bearer KEY`; see docs/serving.md).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from saferkit.serving.api_errors import ApiError
from saferkit.serving.images import decode_image
from saferkit.serving.multipart import parse_multipart
from saferkit.serving.state import model_for_request, note_for_audit, server_state

PROTOCOL_VERSION = "v1.0"
ZIP_FIELD = "file"
POSITIVE_CLASS = "AI_CSAM"

router = APIRouter(tags=["iped"])


@router.get("/iped/{name}/version", summary="IPED remote classifier: protocol and model version")
async def version(request: Request, name: str) -> dict:
    model = server_state(request).models.get(name)
    note_for_audit(request, model)
    return {"protocol_version": PROTOCOL_VERSION, "model_version": f"v1-{model.name}-{model.version}",
            "model": model.name, "model_sha256": model.sha256,
            "qualified": server_state(request).qualification.get(model.name, {}).get("qualified")}


def _entries(body: bytes, content_type: str | None, max_images: int, max_bytes: int) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file in the uploaded zip; refuses what is not a zip or holds too much."""
    parts = [p for p in parse_multipart(body, content_type, max_parts=8) if p.name == ZIP_FIELD or p.filename]
    if not parts:
        raise ApiError(400, f"send the zip of images as the multipart file field '{ZIP_FIELD}' (as IPED does).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(parts[0].data))
    except zipfile.BadZipFile:
        raise ApiError(400, f"the '{ZIP_FIELD}' part is not a zip archive.") from None
    files = [info for info in archive.infolist() if not info.is_dir()]
    if not files:
        raise ApiError(400, "the zip holds no files.")
    if len(files) > max_images:
        raise ApiError(413, f"the zip holds {len(files)} files; at most {max_images} per request (lower IPED's batchSize).")
    total = sum(info.file_size for info in files)
    if total > max_bytes:
        raise ApiError(413, f"the zip unpacks to {total:,} bytes; at most {max_bytes:,} per request.")
    entries = []
    for info in files:
        with archive.open(info) as handle:
            entries.append((info.filename, handle.read(info.file_size + 1)[: max_bytes]))
    return entries


@router.post("/iped/{name}/zip", summary="IPED remote classifier: classify a zip of images")
async def classify_zip(request: Request, name: str) -> dict:
    state = server_state(request)
    model = model_for_request(request, name)
    limits = state.config.limits
    entries = _entries(await request.body(), request.headers.get("content-type"),
                       limits.max_images_per_request, limits.max_body_bytes * 4)
    import hashlib

    note_for_audit(request, images=[hashlib.sha256(data).hexdigest() for _, data in entries])

    def decode_all():
        images, failed = [], {}
        for position, (filename, data) in enumerate(entries):
            try:
                images.append((position, decode_image(data, filename, state.max_pixels, limits.allowed_formats)))
            except ApiError as exc:
                failed[position] = str(exc)
        return images, failed

    images, failed = await run_in_threadpool(decode_all)
    scored: dict[int, dict[str, float]] = {}
    if images:
        batch = await run_in_threadpool(model.runner.preprocess, [image for _, image in images])
        probabilities = await model.batcher.submit(batch)
        scores = model.runner.positive_scores(probabilities)
        labels = model.runner.labels
        for (position, _), row, score in zip(images, probabilities, scores):
            scored[position] = {POSITIVE_CLASS: round(float(score), 6),
                                **{f"AI_{label}": round(float(p), 6) for label, p in zip(labels, row)}}
    results: list[dict[str, Any]] = []
    for position, (filename, _) in enumerate(entries):
        if position in scored:
            results.append({"filename": filename, "class": scored[position]})
        else:
            results.append({"filename": filename, "error": failed.get(position, "not classified")})
    state.metrics.images.labels("iped").inc(len(images))
    note_for_audit(request, results=[{"filename": r["filename"], "score": r.get("class", {}).get(POSITIVE_CLASS)}
                                     for r in results])
    return {"results": results}
