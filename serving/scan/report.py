"""`write_report`: the triage report as one self-contained HTML file.

The report lists paths and hashes; it never copies media. Previews are off by
default; with `previews=True` each listed file gets a tiny blurred greyscale
preview that stays hidden until a reviewer clicks for that one file, and
revealing another hides the first.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import Any, Optional

from saferkit.serving.scan import store
from saferkit.serving.scan.previews import make_preview, video_previews
from saferkit.serving.scan.triage import Triage, build_triage

TEMPLATE = "report.html.j2"


def _render(triage: Triage, result: Path, previews: bool) -> str:
    import jinja2

    text = resources.files("saferkit.serving.scan").joinpath("templates", TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["short"] = lambda value, n=16: "" if value is None else (value[:n] + "…" if len(value) > n else value)
    env.filters["score"] = lambda value: "" if value is None else f"{value:.4f}"
    env.filters["count"] = lambda value: f"{value:,}"
    env.filters["files"] = lambda value: f"{value:,} file" + ("" if value == 1 else "s")
    env.filters["moment"] = moment
    return env.from_string(text).render(
        t=triage, result=str(Path(result).resolve()), previews=previews,
        generated=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    )


def moment(seconds: Optional[float]) -> str:
    """Seconds into a video as M:SS.s (H:MM:SS.s past an hour), as players show it."""
    if seconds is None:
        return ""
    minutes, rest = divmod(float(seconds), 60.0)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{rest:04.1f}" if hours else f"{minutes}:{rest:04.1f}"


def _add_previews(triage: Triage) -> None:
    """Pictures get one preview; videos (in the video section) their best frames only, never elsewhere."""
    max_bytes = int(triage.manifest["settings"]["max_bytes"])
    videos = {video["path"] for video in triage.videos}
    listed = [row for group in triage.hits for row in group["rows"]] + triage.ranking
    for row in listed:
        if row["path"] in videos or row.get("media") == "video":
            row["preview"], row["no_preview"] = None, "a video: see its best frames under Videos"
        else:
            row["preview"], row["no_preview"] = make_preview(row["path"], row.get("sha256"), max_bytes)
    for video in triage.videos:
        video["previews"], video["no_preview"] = video_previews(video["path"], video.get("sha256"), max_bytes,
                                                                 video["preview_at"])


def write_report(result: Path, out: Path, *, model: Optional[str] = None, recall: float = 0.95,
                 threshold: Optional[float] = None, labels_root: Optional[Path] = None, top: int = 200,
                 previews: bool = False) -> Triage:
    """Build the triage from RESULT and write REPORT.html (whole or not at all)."""
    from saferkit.core.atomic import write_text_atomic

    triage = build_triage(Path(result), model=model, recall=recall, threshold=threshold,
                          labels_root=labels_root, top=top)
    if previews:
        _add_previews(triage)
    html = _render(triage, Path(result), previews)
    write_text_atomic(out, html)
    return triage


def report_facts(triage: Triage) -> dict[str, Any]:
    """The headline numbers, for the CLI and the demo summary."""
    return {
        "hash_hit_files": triage.summary.get("hash_hits", 0),
        "ranked": triage.ranked_total,
        "threshold": triage.threshold,
        "to_review": triage.to_review,
        "can_skip": triage.can_skip,
        "errors": triage.summary.get("errors_total", 0),
        "shards": f"{triage.summary.get('shards_done')}/{triage.summary.get('shards_planned')}",
        "store": store.SUMMARY_NAME,
    }
