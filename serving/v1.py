"""saferkit's own endpoints: triage uploaded images, hash them, match them against hash lists.

Triage decodes each upload under the deployment's limits, preprocesses with the
submission's own declared steps (the shared runner), and runs through the same
dynamic batcher as v2 inference. Hashing and matching are the hashing
package's; this module only carries them over HTTP.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from saferkit.evaluation.operating_point import is_flagged
from saferkit.serving.api_errors import ApiError
from saferkit.serving.images import as_api_error, decode_image, open_checked
from saferkit.serving.state import model_for_request, ServerState, note_for_audit, server_state
from saferkit.serving.uploads import Upload, read_uploads
from saferkit.serving.video import hash_video_uploads, is_video_upload, match_video_uploads, triage_video_uploads

router = APIRouter(tags=["saferkit v1"])
ADVISORY = ("Scores rank material for human review; they are not findings. A trained reviewer decides, "
            "and every decision can be contested.")

IMAGES_FORM = {"schema": {
    "type": "object",
    "properties": {"images": {"type": "array", "items": {"type": "string", "format": "binary"}}},
    "required": ["images"]}}
MULTIPART_IMAGES = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": IMAGES_FORM},
    }
}
MATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": IMAGES_FORM,
            "application/json": {"schema": {"type": "object", "required": ["hashes"], "properties": {
                "hashes": {"type": "array", "items": {"type": "object", "additionalProperties": {"type": "string"}},
                           "description": "One object per query, hash type -> hex, e.g. {\"pdq\": \"...\"}"},
                "threshold": {"type": "integer"}, "dihedral": {"type": "boolean"}}}},
        },
    }
}


@router.get("/v1/models", summary="The served models, with their digests and operating thresholds")
async def list_models(request: Request) -> dict:
    models = server_state(request).models.models.values()
    return {"models": [{**m.describe(), "task": m.submission.task, "labels": m.runner.labels,
                        "threshold": m.submission.threshold, "ready": m.ready} for m in models]}


@router.post("/v1/models/{name}/triage", summary="Triage uploaded images", openapi_extra=MULTIPART_IMAGES)
async def triage(request: Request, name: str) -> dict:
    state = server_state(request)
    model = model_for_request(request, name)
    uploads = await read_uploads(request, state)
    note_for_audit(request, images=[u.sha256 for u in uploads])
    if any(is_video_upload(u.data, u.filename) for u in uploads):  # videos: serving/video.py
        return {"model": model.describe(), "threshold": model.submission.threshold, "advisory": ADVISORY,
                "results": await run_in_threadpool(triage_video_uploads, state, model, uploads)}
    limits = state.config.limits
    images = await run_in_threadpool(
        lambda: [decode_image(u.data, u.label, state.max_pixels, limits.allowed_formats) for u in uploads])
    batch = await run_in_threadpool(model.runner.preprocess, images)
    probabilities = await model.batcher.submit(batch)
    state.metrics.images.labels("triage").inc(len(uploads))
    scores = model.runner.positive_scores(probabilities)
    labels = model.labels_at_threshold(probabilities, scores)
    flagged = is_flagged(scores, model.submission.threshold)
    names = model.runner.labels
    results = [{**upload.describe(),
                "scores": {label: round(float(p), 6) for label, p in zip(names, row)},
                "score": round(float(score), 6), "label": label,
                "flagged": bool(flag)}
               for upload, row, score, label, flag in zip(uploads, probabilities, scores, labels, flagged)]
    note_for_audit(request, results=[{"image": u.sha256, "score": r["score"], "flagged": r["flagged"]}
                                     for u, r in zip(uploads, results)])
    return {"model": model.describe(), "threshold": model.submission.threshold,
            "positive_label": names[model.runner.positive_index], "advisory": ADVISORY, "results": results}


def _hash_upload(state: ServerState, upload: Upload, algos: tuple[str, ...], dihedral: bool = False) -> dict[str, Any]:
    """The hashing package's hashes of one upload, after the same size and format checks as triage."""
    from saferkit.hashing import HashingError, hash_bytes

    decoded = open_checked(upload.data, upload.label, state.max_pixels, state.config.limits.allowed_formats)
    try:
        return hash_bytes(upload.data, algos, dihedral=dihedral, decoded=decoded)
    except HashingError as exc:
        raise as_api_error(exc, upload.label) from None


def _algorithms(raw: str | None) -> tuple[str, ...]:
    """The algorithms asked for (comma-separated, or "all"); the hashing package's defaults when none."""
    from saferkit.hashing import HashingError
    from saferkit.hashing.algorithms import normalize_algos

    try:
        return normalize_algos(raw or None)
    except HashingError as exc:
        raise ApiError(400, str(exc)) from None


@router.post("/v1/hash", summary="Hash uploaded images (cryptographic and perceptual, PDQ with quality)",
             openapi_extra=MULTIPART_IMAGES)
async def hash_images(request: Request, algos: str | None = Query(
        None, description="Comma-separated (md5, sha1, sha256, pdq, phash, dhash, ahash, whash) or all; "
                          "default md5,sha1,sha256,pdq,phash,dhash")) -> dict:
    state = server_state(request)
    chosen = _algorithms(algos)
    uploads = await read_uploads(request, state)
    note_for_audit(request, images=[u.sha256 for u in uploads])
    if any(is_video_upload(u.data, u.filename) for u in uploads):  # videos: serving/video.py
        return await run_in_threadpool(hash_video_uploads, state, uploads, chosen)
    hashes = await run_in_threadpool(lambda: [_hash_upload(state, u, chosen) for u in uploads])
    state.metrics.images.labels("hash").inc(len(uploads))
    return {"algorithms": list(chosen), "results": [{**u.describe(), "hashes": h} for u, h in zip(uploads, hashes)]}


@router.post("/v1/match", summary="Match images or hashes against the loaded hash lists", openapi_extra=MATCH_BODY)
async def match(request: Request,
                threshold: int | None = Query(None, ge=0, description="Largest Hamming distance that matches "
                                              "(default: each hash type's own, PDQ 31)"),
                dihedral: bool = Query(False, description="Also match rotated and mirrored copies (PDQ)")) -> dict:
    from saferkit.hashing import HashingError

    state = server_state(request)
    matcher = state.matcher
    if matcher is None:
        raise ApiError(404, "no hash lists are loaded on this server; start it with --hashlist LIST.")
    if request.headers.get("content-type", "").startswith("application/json"):
        queries, threshold, dihedral = await _json_queries(request, threshold, dihedral)
        described = [{"index": i} for i in range(len(queries))]
        if dihedral and any("pdq" in q for q in queries):
            raise ApiError(400, "dihedral matching needs the image (its eight PDQ variants); upload the image "
                                "instead of its hash, or match without dihedral.")
    else:
        uploads = await read_uploads(request, state)
        note_for_audit(request, images=[u.sha256 for u in uploads])
        if any(is_video_upload(u.data, u.filename) for u in uploads):  # videos: serving/video.py
            return await run_in_threadpool(match_video_uploads, state, uploads, threshold)
        algos = tuple(sorted(matcher.hash_types | ({"pdq"} if dihedral else set())))
        queries = await run_in_threadpool(
            lambda: [_hash_upload(state, u, algos, dihedral=dihedral) for u in uploads])
        described = [u.describe() for u in uploads]
        state.metrics.images.labels("match").inc(len(uploads))
    if threshold is None:
        threshold = state.config.match_threshold

    def run_matches() -> list[list[dict]]:
        try:
            return matcher.match_many(queries, threshold=threshold, dihedral=dihedral)
        except HashingError as exc:
            raise ApiError(400, str(exc)) from None

    found = await run_in_threadpool(run_matches)
    note_for_audit(request, lists=state.list_digests, results=[
        {"query": i, "matches": [{k: m[k] for k in ("list", "id", "hash_type", "distance")} for m in matches]}
        for i, matches in enumerate(found)])
    shown = [{k: v for k, v in q.items() if k != "pdq_dihedral"} for q in queries]  # variants: for matching only
    return {"lists": state.hashlists, "threshold": threshold, "dihedral": dihedral,
            "results": [{**d, "hashes": q, "matches": m} for d, q, m in zip(described, shown, found)]}


async def _json_queries(request: Request, threshold: int | None, dihedral: bool):
    import json

    try:
        payload = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the request is not valid JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("hashes"), list) or not payload["hashes"]:
        raise ApiError(400, 'send {"hashes": [{"pdq": "<64 hex>"}, ...]} with at least one query.')
    queries = payload["hashes"]
    if len(queries) > 10_000:
        raise ApiError(413, f"{len(queries)} hash queries in one request; send at most 10000.")
    for index, query in enumerate(queries):
        if not isinstance(query, dict) or not query or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in query.items()):
            raise ApiError(400, f"hashes[{index}] must be an object of hash type -> hex string, e.g. {{\"pdq\": \"...\"}}.")
    if "threshold" in payload:
        value = payload["threshold"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ApiError(400, "threshold must be a non-negative integer.")
        threshold = value
    if "dihedral" in payload:
        if not isinstance(payload["dihedral"], bool):
            raise ApiError(400, "dihedral must be true or false.")
        dihedral = payload["dihedral"]
    return queries, threshold, dihedral
