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


def listed_files(table: pa.Table) -> int:
    """Rows of listed files in a table of rows (members, pages and frames are not counted)."""
    if "member" not in table.column_names:
        return table.num_rows
    return int(pc.sum(pc.equal(pc.fill_null(table.column("member"), 0), 0)).as_py() or 0)


def in_plan_order(table: pa.Table) -> pa.Table:
    """Rows by plan index, each file's own row first, then what it holds in the order found."""
    return table.sort_by([("index", "ascending"), ("member", "ascending")])
