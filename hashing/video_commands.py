"""`saferkit hashing vpdq` and `saferkit hashing match-video`: vPDQ of video files, and matching them against lists.

Registered into the `hashing` group (after hashing.commands). Only typer,
rich and the standard library at module level.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich.console import Console

if TYPE_CHECKING:
    from saferkit.hashing.video_match import ListedVideo

console = Console(stderr=True)


def _video_files(paths: List[Path]) -> List[Path]:
    from saferkit.core.errors import UserError
    from saferkit.core.video import looks_like_video

    found: List[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and looks_like_video(p.name)))
        elif path.is_file():
            found.append(path)
        else:
            raise UserError(f"{path} does not exist; pass video files or folders.")
    return found


def vpdq_command(
    paths: List[Path] = typer.Argument(..., help="Video files or folders (walked recursively for video extensions)."),
    out: Path = typer.Option(
        ..., "--out", "-o",
        help="A list to write: .csv or .jsonl (frame tables, ids are the paths), .json (VICS video entries with MD5 and "
             "SHA-1, ids the paths), or .vpdq for one video (the reference's text form)."),
    category: str = typer.Option("", "--category", help="Category for every listed video."),
    source: str = typer.Option("", "--source", help="Source for every listed video."),
    crop_borders: bool = typer.Option(False, "--crop-borders", help="Hash frames without letterbox/pillarbox bars (lists and queries must agree)."),
    crop_views: bool = typer.Option(False, "--crop-views", help="Also store the PDQ of each frame's centre 95%, 90%, 85% (a `views` column) so cropped copies match; vPDQ unchanged."),
) -> None:
    """vPDQ of videos (1 frame/s, the reference's sampling) written as a hash list or a .vpdq file."""
    from saferkit.core.errors import UserError
    from saferkit.core.video import VideoError
    from saferkit.hashing.video_lists import VPDQ_SUFFIXES, write_video_hashlist, write_vpdq_file
    from saferkit.hashing.video_match import ListedVideo
    from saferkit.hashing.video_views import LISTED_CROPS
    from saferkit.hashing.vpdq import hash_video

    if crop_views and str(out).endswith(VPDQ_SUFFIXES):
        raise UserError("a .vpdq file is the reference's text form and has no room for crop views; write a .csv or .jsonl list.")
    files = _video_files(paths)
    videos, failed = [], 0
    for path in files:
        try:
            result = hash_video(path, crop_borders=crop_borders, crop_views=LISTED_CROPS if crop_views else ())
        except VideoError as exc:
            console.print(f"{path}: {exc} ({exc.kind})", highlight=False)
            failed += 1
            continue
        note = f" (partial: {result.info.partial_reason})" if result.info.partial else ""
        console.print(f"{path}: {len(result.features)} frames, {result.info.duration or 0:.1f} s, {result.info.codec}{note}", highlight=False)
        videos.append(ListedVideo(str(path), result.features, category, source))
    if str(out).endswith(VPDQ_SUFFIXES):
        if len(videos) != 1:
            raise UserError(f"a .vpdq file holds one video and {len(videos)} were hashed; write a .csv or .jsonl list instead.")
        write_vpdq_file(videos[0].features, out)
        rows = len(videos[0].features)
    elif out.suffix.lower() == ".json":
        rows = _write_vics(videos, out, category)
    else:
        rows = write_video_hashlist(videos, out)
    console.print(f"wrote {rows} frame hash(es) of {len(videos)} video(s) to {out}; {failed} could not be read.")
    if failed and not videos:
        raise typer.Exit(1)


def _write_vics(videos: "list[ListedVideo]", out: Path, category: str) -> int:
    """The hashed videos as VICS video entries (MediaID the path, the file's MD5, SHA-1 and size); returns frames."""
    from saferkit.core.inventory import read_evidence
    from saferkit.hashing.video_lists import vics_video_entry, write_vics_videos

    entries = []
    for video in videos:
        found = read_evidence(video.id, keep_up_to=0, digests=("md5", "sha1"))
        entries.append(vics_video_entry(video.id, video.features, md5=found.digests["md5"], sha1=found.digests["sha1"],
                                        size=found.size, category=category or 0))
    write_vics_videos(entries, out)
    return sum(len(video.features) for video in videos)


def match_video_command(
    paths: List[Path] = typer.Argument(..., help="Video files or folders to check."),
    lists: List[Path] = typer.Option(..., "--list", "-l", help="Lists with listed videos (.csv/.jsonl frame tables, .vpdq, VICS .json)."),
    threshold: int = typer.Option(31, "--threshold", "-t", help="Frame distance in bits (PDQ's 31)."),
    query_share: Optional[float] = typer.Option(None, "--query-share", help="Share of the query's frames that must match (default 0.6)."),
    listed_share: Optional[float] = typer.Option(None, "--listed-share", help="Share of the listed video's frames that must match (default 0)."),
    crop_borders: bool = typer.Option(False, "--crop-borders", help="Hash frames without letterbox/pillarbox bars (as the list was made)."),
    mirror: bool = typer.Option(False, "--mirror", help="Also match the mirrored frames (finds flipped copies)."),
    inset: bool = typer.Option(False, "--inset", help="Also match a picture-in-picture inset found in a frame (counts for that frame)."),
) -> None:
    """Match videos against listed videos (HMA's vPDQ rule); one JSON line per video with its matches and segments."""
    from saferkit.core.video import VideoError
    from saferkit.hashing.video_lists import read_video_lists
    from saferkit.hashing.video_match import DEFAULT_LISTED_SHARE, DEFAULT_QUERY_SHARE, VideoMatcher
    from saferkit.hashing.vpdq import hash_video

    matcher = VideoMatcher(read_video_lists(lists))
    console.print(f"{len(matcher)} listed video(s) loaded")
    matched = 0
    for path in _video_files(paths):
        try:
            features = hash_video(path, crop_borders=crop_borders, mirror=mirror, inset=inset).features
        except VideoError as exc:
            typer.echo(json.dumps({"path": str(path), "error": str(exc), "error_kind": exc.kind}))
            continue
        found = matcher.match(features, threshold=threshold, mirror=mirror,
                              query_share=DEFAULT_QUERY_SHARE if query_share is None else query_share,
                              listed_share=DEFAULT_LISTED_SHARE if listed_share is None else listed_share)
        matched += bool(found)
        typer.echo(json.dumps({"path": str(path), "matches": [m.as_dict() for m in found]}))
    console.print(f"{matched} video(s) matched.")


def register(app: typer.Typer) -> None:
    """Add `hashing vpdq` and `hashing match-video` to the `hashing` group."""
    from saferkit.hashing.commands import hashing_app

    hashing_app.command("vpdq")(vpdq_command)
    hashing_app.command("match-video")(match_video_command)
