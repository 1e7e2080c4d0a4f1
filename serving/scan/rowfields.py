"""The scan row's inventory columns: where a row sits (parent, member, frame) and what the file is.

Kept apart from `store` (the row schema's owner), which appends them. A
scanned file gives one row (`member` 0) and, when it holds more, one row per
archive member, disk-image file, PDF image or frame (`member` 1, 2, ...),
all with the file's plan `index`; `parent` names the row that holds it.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

INVENTORY_FIELDS: list[tuple[str, pa.DataType]] = [
    ("parent", pa.string()),  # path of the row that holds this one (container, disk image, PDF, animated file)
    ("member", pa.int32()),  # 0: the listed file itself; 1, 2, ...: what it holds, in the order found
    ("depth", pa.int32()),  # containers above this row (0: a listed file)
    ("frame", pa.int32()),  # frame or page number of a multi-frame image, from 0
    ("type", pa.string()),  # MIME type by signature (`filetype`), null when no signature is known
    ("extension_mismatch", pa.bool_()),  # the name's extension does not fit the type found
    ("partial", pa.bool_()),  # a truncated image: only the pixels present were decoded
    ("deleted", pa.bool_()),  # a disk-image entry whose file was deleted (content recovered as found)
    ("warning", pa.string()),  # unsafe_path, too_deep, frames_limited: looked at, but note this
    ("atime", pa.float64()),
    ("ctime", pa.float64()),
    ("btime", pa.float64()),
    ("inode", pa.int64()),
    ("device", pa.int64()),
    ("noatime", pa.bool_()),  # opened with O_NOATIME: reading it left its access time unchanged
]

# A video's row (`serving.video.video_row`, one decode): stream facts, vPDQ, where the models' best frames are,
# and where a listed video was matched. Null on every other row.
MOMENT_TYPE = pa.struct([("timestamp", pa.float64()), ("score", pa.float64())])
FLAGGED_SEGMENT_TYPE = pa.struct([("model", pa.string()), ("start", pa.float64()), ("end", pa.float64()),
                                  ("max_score", pa.float64())])
MATCHED_SEGMENT_TYPE = pa.struct([
    ("list", pa.string()), ("id", pa.string()), ("query_share", pa.float64()), ("listed_share", pa.float64()),
    ("query_start", pa.float64()), ("query_end", pa.float64()),  # seconds in the scanned video
    ("listed_start", pa.float64()), ("listed_end", pa.float64()),  # seconds in the listed video
    ("frames", pa.int32()), ("best_distance", pa.int32()),
])
VIDEO_FIELDS: list[tuple[str, pa.DataType]] = [
    ("media", pa.string()),  # "video" for a file the video reader opened (also when it then failed)
    ("container", pa.string()),
    ("codec", pa.string()),
    ("width", pa.int32()),
    ("height", pa.int32()),
    ("fps", pa.float64()),
    ("duration", pa.float64()),  # seconds, as declared by the container
    ("has_audio", pa.bool_()),
    ("decoded_frames", pa.int64()),
    ("sampled_frames", pa.int64()),  # frames hashed and scored (1 frame/s, plus scene changes with a model)
    ("partial_reason", pa.string()),  # why only part of a video was decoded (damaged packets, cut off, a limit)
    ("vpdq", pa.string()),  # the vPDQ reference text form: frame,quality,hash,timestamp per sampled frame
    ("best_timestamp", pa.float64()),  # seconds: the frame the first model scored highest
    ("top_timestamps", pa.list_(MOMENT_TYPE)),  # the first model's top-k frames, best first
    ("flagged_segments", pa.list_(FLAGGED_SEGMENT_TYPE)),  # runs of frames at or over each model's threshold
    ("matched_segments", pa.list_(MATCHED_SEGMENT_TYPE)),  # where each listed video matched, by vPDQ
]


def listed_files(table: pa.Table) -> int:
    """Rows of listed files in a table of rows (members, pages and frames are not counted)."""
    if "member" not in table.column_names:
        return table.num_rows
    return int(pc.sum(pc.equal(pc.fill_null(table.column("member"), 0), 0)).as_py() or 0)


def in_plan_order(table: pa.Table) -> pa.Table:
    """Rows by plan index, each file's own row first, then what it holds in the order found."""
    return table.sort_by([("index", "ascending"), ("member", "ascending")])
