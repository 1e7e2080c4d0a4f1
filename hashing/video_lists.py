"""Video hashes on hash lists: vPDQ frame tables in CSV/JSONL, the vPDQ text form, VICS video entries.

- CSV / JSONL: a listed video is its frame table, one row per frame with
  `hash_type` `vpdq`, the frame's PDQ as `hash`, the video's `id`, and the
  extra columns `frame`, `quality`, `timestamp` (seconds) and, for lists
  built with extra views (`hash_video(crop_views=...)`), `views`: the PDQ of
  the frame's centre crops, space-separated. Instead of its
  frames, a row may name a frame table: `frames_file`, a vPDQ text file
  relative to the list (its `hash` is the first frame's). Ordinary readers
  (`HashListReader`, `HashMatcher`) read these rows as `vpdq` records; only
  video matching groups them into videos.
- vPDQ text (`.vpdq`): one video, the reference's `frame,quality,hash,timestamp`
  lines (`saferkit.hashing.vpdq.to_text`); its id is the file name.
- VICS JSON: a video is a media entry with `"MediaType": "Video"`, its `MD5`,
  `SHA1` and `MediaSize`, plus the saferkit extras `VPDQ` (the text form's
  lines) for the frames and, for a video listed with extra views,
  `VPDQViews` (one `frame,view view ...` line per frame that has views).
  Readers that know only MD5/SHA1 match the file exactly.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from saferkit.core.atomic import atomic_open
from saferkit.hashing.errors import HashingError
from saferkit.hashing.hashlist import VICS_CONTEXT, HashListReader, HashRecord, write_hashlist
from saferkit.hashing.video_match import ListedVideo
from saferkit.hashing.vpdq import VpdqFeature, parse_text, to_text

VIDEO_HASH_TYPE = "vpdq"
VPDQ_SUFFIXES = (".vpdq", ".vpdq.txt")


def video_records(video_id: str, features: Iterable[VpdqFeature], *, category: str = "", source: str = "") -> Iterator[HashRecord]:
    """A video's frame table as list records (one per frame)."""
    for feature in features:
        extra: dict[str, object] = {"frame": feature.frame_number, "quality": feature.quality, "timestamp": round(feature.timestamp, 3)}
        if feature.views:
            extra["views"] = " ".join(feature.views)
        yield HashRecord(hash_type=VIDEO_HASH_TYPE, hash=feature.hash, id=video_id, category=category, source=source,
                         extra=extra)


def write_video_hashlist(videos: Iterable[ListedVideo], path: str | os.PathLike, fmt: str | None = None) -> int:
    """Write listed videos' frame tables to a CSV or JSONL list (frame, quality, timestamp kept); returns rows."""
    if str(path).endswith(VPDQ_SUFFIXES):
        raise HashingError("a .vpdq file holds one video; use write_vpdq_file, or a .csv/.jsonl list for several.")
    records = (record for video in videos for record in video_records(video.id, video.features, category=video.category, source=video.source))
    if Path(path).suffix.lower() == ".csv" or fmt == "csv":
        return _write_csv_with_frames(records, Path(path))
    return write_hashlist(records, path, fmt)


def _write_csv_with_frames(records: Iterable[HashRecord], path: Path) -> int:
    import csv

    columns = ("hash_type", "hash", "id", "category", "source", "frame", "quality", "timestamp", "views")
    count = 0
    with atomic_open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([record.hash_type, record.hash, record.id, record.category, record.source,
                             record.extra.get("frame", ""), record.extra.get("quality", ""), record.extra.get("timestamp", ""),
                             record.extra.get("views", "")])
            count += 1
    return count


def write_vpdq_file(features: Iterable[VpdqFeature], path: str | os.PathLike) -> Path:
    """One video's vPDQ in the reference's text form."""
    path = Path(path)
    with atomic_open(path, "w") as out:
        out.write(to_text(features))
    return path


def read_video_list(path: str | os.PathLike, fmt: str | None = None) -> list[ListedVideo]:
    """The videos on one list: `.vpdq` text, CSV/JSONL frame tables (or `frames_file` references), or VICS JSON."""
    path = Path(path)
    name = path.name
    if name.endswith(VPDQ_SUFFIXES):
        return [ListedVideo(id=name, features=parse_text(_read_text(path), str(path)), source=name, list_name=name)]
    if (fmt or "").lower() == "vics" or path.suffix.lower() == ".json":
        return _vics_videos(path)
    grouped: OrderedDict[str, ListedVideo] = OrderedDict()
    for record in HashListReader(path, fmt):
        if record.hash_type != VIDEO_HASH_TYPE:
            continue
        video = grouped.setdefault(record.id, ListedVideo(record.id, [], record.category, record.source, name))
        reference = record.extra.get("frames_file")
        if reference:
            video.features.extend(parse_text(_read_text(_inside(path, str(reference))), str(reference)))
            continue
        try:
            video.features.append(VpdqFeature(int(record.extra.get("frame", len(video.features))),
                                              int(record.extra.get("quality", 100)), record.hash,
                                              float(record.extra.get("timestamp", len(video.features))),
                                              views=_views(record.extra.get("views"))))
        except (TypeError, ValueError) as exc:
            raise HashingError(f"{path}: the frame, quality, timestamp or views of video {record.id!r} are not valid ({exc}).") from None
    return list(grouped.values())


def _views(cell: object) -> tuple[str, ...]:
    """A frame's `views` cell: PDQ hashes (64 hex digits) separated by spaces; empty for none."""
    views = tuple(str(cell or "").lower().split())
    bad = next((v for v in views if len(v) != 64 or any(c not in "0123456789abcdef" for c in v)), None)
    if bad is not None:
        raise ValueError(f"view {bad[:80]!r} is not 64 hex digits")
    return views


def read_video_lists(paths: Sequence[str | os.PathLike]) -> list[ListedVideo]:
    """Every video on several lists (prepared index folders hold no frame tables and are skipped)."""
    videos: list[ListedVideo] = []
    for path in paths:
        if Path(path).is_file():
            videos.extend(read_video_list(path))
    return videos


def vics_video_entry(media_id: int | str, features: Iterable[VpdqFeature], *, md5: str, sha1: str, size: int,
                     category: int | str = 0) -> dict:
    """One VICS media entry for a video: MediaType Video, MD5/SHA1 (upper case), MediaSize, VPDQ lines,
    and VPDQViews lines when its frames carry extra views (crop views of a listed video)."""
    features = list(features)
    entry = {"MediaID": media_id, "Category": category, "MediaType": "Video", "MD5": md5.upper(), "SHA1": sha1.upper(),
             "MediaSize": size, "VPDQ": [feature.line() for feature in features]}
    views = [f"{feature.frame_number},{' '.join(feature.views)}" for feature in features if feature.views]
    if views:
        entry["VPDQViews"] = views
    return entry


def write_vics_videos(entries: Iterable[dict], path: str | os.PathLike) -> int:
    """A VICS JSON file of video entries (from `vics_video_entry`); returns how many."""
    items = list(entries)
    with atomic_open(Path(path), "w") as out:
        json.dump({"@odata.context": VICS_CONTEXT, "value": items}, out, indent=1)
    return len(items)


def _vics_videos(path: Path) -> list[ListedVideo]:
    try:
        document = json.loads(_read_text(path))
    except ValueError as exc:
        raise HashingError(f"{path} is not valid JSON ({exc}).") from None
    videos = []
    for item in document.get("value", []) if isinstance(document, dict) else []:
        if isinstance(item, dict) and str(item.get("MediaType", "")).lower() == "video" and item.get("VPDQ"):
            where = f"{path} media {item.get('MediaID')}"
            features = _with_views(parse_text("\n".join(item["VPDQ"]), where), item.get("VPDQViews") or [], where)
            videos.append(ListedVideo(str(item.get("MediaID", "")), features, str(item.get("Category", "")), "vics", path.name))
    return videos


def _with_views(features: list[VpdqFeature], lines: Sequence[object], where: str) -> list[VpdqFeature]:
    """The frames with the views a VICS entry's `VPDQViews` lines (`frame,view view ...`) give them."""
    views: dict[int, tuple[str, ...]] = {}
    for line in lines:
        frame, _, cells = str(line).partition(",")
        try:
            views[int(frame)] = _views(cells)
        except ValueError as exc:
            raise HashingError(f"{where}: VPDQViews line {str(line)[:80]!r} is not `frame,view view ...` ({exc}).") from None
    unknown = set(views) - {feature.frame_number for feature in features}
    if unknown:
        raise HashingError(f"{where}: VPDQViews names frame {min(unknown)}, which its VPDQ lines do not hold.")
    return [replace(feature, views=views.get(feature.frame_number, feature.views)) for feature in features]


def _inside(list_path: Path, reference: str) -> Path:
    """A `frames_file` path, refused when it leaves the list's folder."""
    base = list_path.parent.resolve()
    target = (base / reference).resolve()
    if base not in target.parents:
        raise HashingError(f"{list_path}: frames_file {reference!r} points outside the list's folder; keep frame tables beside the list.")
    return target


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise HashingError(f"cannot read {path}: {exc.strerror or exc}.") from None
