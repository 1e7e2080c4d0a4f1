"""Demo stage: serve the baseline submission on a free loopback port, triage and match one image, stop."""

from __future__ import annotations

import io
from pathlib import Path


def _sample_image(ctx) -> tuple[str, bytes]:
    """An image on the demo hash list (so the match call has something to find), else one from the
    demo's synthetic set, else a generated pattern."""
    listed = ctx.artifacts.get("listed_image")
    if listed and Path(listed).is_file():
        return Path(listed).name, Path(listed).read_bytes()
    data_dir = ctx.artifacts.get("data_dir")
    if data_dir:
        for pattern in ("*.png", "*.jpg", "*.jpeg"):
            found = next(iter(sorted(Path(data_dir).rglob(pattern))), None)
            if found is not None:
                return found.name, found.read_bytes()
    from PIL import Image

    image = Image.linear_gradient("L").convert("RGB").resize((64, 64))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "gradient.png", buffer.getvalue()


def run(ctx) -> None:
    submission_dir = ctx.artifacts.get("submission_dir")
    if not submission_dir:
        ctx.console.print("serving: no submission from an earlier stage; skipped.")
        ctx.record("serving", "skipped (no submission)", "-")
        return
    import httpx

    from saferkit.serving.app import create_app, load_state
    from saferkit.serving.config import ServeConfig
    from saferkit.serving.keys import ApiKeys, generate_key
    from saferkit.serving.server import BackgroundServer

    out = ctx.out / "serving"
    out.mkdir(parents=True, exist_ok=True)
    hashlist = ctx.artifacts.get("hashlist_path")
    key = generate_key()
    scorecard = Path(ctx.artifacts["scorecard_dir"]) / "scorecard.json" if ctx.artifacts.get("scorecard_dir") else None
    state = load_state([Path(submission_dir)], [Path(hashlist)] if hashlist else [],
                       ServeConfig(audit_log=out / "audit.jsonl"), ApiKeys([key]),
                       scorecards=[scorecard] if scorecard and scorecard.is_file() else [],
                       allow_unqualified=True)  # the demo's quick model: responses say when it did not qualify
    name, image = _sample_image(ctx)
    with BackgroundServer(create_app(state)) as server, httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        model = next(iter(state.models.models))
        triage = client.post(f"/v1/models/{model}/triage", files=[("images", (name, image))])
        triage.raise_for_status()
        result = triage.json()["results"][0]
        ctx.console.print(f"serving: {server.url} triaged {name}: score {result['score']:.3f} -> {result['label']}")
        ctx.record("serving", f"triage via HTTP: {result['label']} ({result['score']:.3f})", f"{server.url}/v1/models/{model}/triage")
        if hashlist:
            match = client.post("/v1/match", files=[("images", (name, image))])
            match.raise_for_status()
            found = match.json()["results"][0]["matches"]
            ctx.console.print(f"serving: /v1/match found {len(found)} match(es) for {name}")
            ctx.record("serving", f"match via HTTP: {len(found)} match(es)", f"{server.url}/v1/match")
    ctx.record("serving", "audit log (one line per request)", out / "audit.jsonl")
