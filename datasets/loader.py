"""`load_dataset(root)`: the one way the kit reads a data folder.

Two layouts are accepted, both only behind a valid provenance.json:

- `manifest.csv` (what `saferkit data synth` writes): columns `path`, `split`,
  `flag`, `category`, optionally the attributes and `seed`, and any extra
  columns of your own (kept as they are).
- ImageFolder: `root/<class>/*` (every image goes to split `test`) or
  `root/<split>/<class>/*` when every top folder is a split name.

Which classes are positives (flag 1): provenance.json may list them as
`"classes": {"positive": [...], "negative": [...]}`; otherwise a class folder
named positive/positives/pos/flagged/1 is positive and
negative/negatives/neg/benign/none/0 is negative. Any other class name is an
error that says how to declare it. A positive class's name becomes its
`category`; negatives get `none`.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from saferkit.datasets.manifest import (
    ATTRIBUTES,
    MANIFEST_NAME,
    NEGATIVE_CATEGORY,
    REQUIRED_COLUMNS,
    SPLITS,
    TEST,
)
from saferkit.datasets.provenance import require_provenance
from saferkit.core.errors import UserError
from saferkit.core.media_types import IMAGE_EXTENSIONS

POSITIVE_CLASS_NAMES = frozenset({"positive", "positives", "pos", "flagged", "1"})
NEGATIVE_CLASS_NAMES = frozenset({"negative", "negatives", "neg", "benign", "none", "0"})


class DataError(UserError):
    """A data folder's manifest or layout is unusable; the message names what to fix."""


def _class_flags(provenance: dict[str, Any]) -> tuple[set[str], set[str]]:
    classes = provenance.get("classes") if isinstance(provenance, dict) else None
    if not isinstance(classes, dict):
        return set(), set()
    return {str(c) for c in classes.get("positive") or []}, {str(c) for c in classes.get("negative") or []}


def class_flag(name: str, provenance: dict[str, Any]) -> int:
    """1 for a positive class, 0 for a negative one (see the module docstring for the rule)."""
    positives, negatives = _class_flags(provenance)
    if name in positives:
        return 1
    if name in negatives:
        return 0
    if not positives and not negatives:
        if name.lower() in POSITIVE_CLASS_NAMES:
            return 1
        if name.lower() in NEGATIVE_CLASS_NAMES:
            return 0
    raise DataError(
        f"class folder {name!r} is neither positive nor negative; name it 'positive' or 'negative', or list it "
        f'in provenance.json as "classes": {{"positive": [...], "negative": [...]}}.'
    )


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def image_folder_rows(root: Path, provenance: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for an ImageFolder layout (path, split, flag, category), sorted by path."""
    top = _subfolders(root)
    if not top:
        raise DataError(f"{root} has no {MANIFEST_NAME} and no class folders; add a manifest.csv or "
                        "put images in root/<class>/ (or root/<split>/<class>/).")
    layout = [(folder.name, folder) for folder in top] if all(f.name in SPLITS for f in top) else [(TEST, root)]
    rows = []
    for split, split_folder in layout:
        for class_folder in _subfolders(split_folder):
            flag = class_flag(class_folder.name, provenance)
            category = class_folder.name if flag else NEGATIVE_CATEGORY
            for path in sorted(p for p in class_folder.rglob("*") if _is_image(p)):
                rows.append({"path": path.relative_to(root).as_posix(), "split": split, "flag": flag, "category": category})
    if not rows:
        raise DataError(f"{root} holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))}) in its class folders.")
    return rows


def _safe_relative(path_text: str) -> bool:
    path = PurePosixPath(path_text)
    return bool(path_text) and not path.is_absolute() and ".." not in path.parts and "\\" not in path_text


def read_manifest(root: Path):  # -> pandas.DataFrame
    """manifest.csv as a DataFrame with `flag` (and `seed`) as integers; checks columns and values."""
    import pandas as pd

    path = root / MANIFEST_NAME
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is not a readable CSV ({exc}); regenerate it or fix its format.") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path} lacks column(s) {', '.join(missing)}; a manifest needs {', '.join(REQUIRED_COLUMNS)}.")
    bad_flags = sorted(set(frame["flag"]) - {"0", "1"})
    if bad_flags:
        raise DataError(f"{path} has flag value(s) {', '.join(map(repr, bad_flags[:3]))}; flag must be 0 or 1.")
    bad_splits = sorted(set(frame["split"]) - set(SPLITS))
    if bad_splits:
        raise DataError(f"{path} has unknown split(s) {', '.join(map(repr, bad_splits[:3]))}; use {', '.join(SPLITS)}.")
    unsafe = [p for p in frame["path"] if not _safe_relative(p)]
    if unsafe:
        raise DataError(f"{path} has path {unsafe[0]!r}; paths must be relative to the folder, with '/' and no '..'.")
    for attribute, values in ATTRIBUTES.items():
        if attribute in frame.columns:
            unknown = sorted(set(frame[attribute]) - set(values) - {""})
            if unknown:
                raise DataError(f"{path} has {attribute} value(s) {', '.join(map(repr, unknown[:3]))}; "
                                f"allowed: {', '.join(values)}.")
    frame["flag"] = frame["flag"].astype(int)
    if "seed" in frame.columns:
        try:
            frame["seed"] = frame["seed"].astype("int64")
        except ValueError:
            raise DataError(f"{path} has a non-integer seed; seeds must be whole numbers.") from None
    return frame


def dataset_rows(root: Path, provenance: dict[str, Any]):  # -> pandas.DataFrame
    """The data set's rows without the provenance gate (callers must have checked it)."""
    import pandas as pd

    if (root / MANIFEST_NAME).is_file():
        frame = read_manifest(root)
    else:
        frame = pd.DataFrame(image_folder_rows(root, provenance), columns=list(REQUIRED_COLUMNS))
    frame["abspath"] = [str((root / p).resolve()) for p in frame["path"]]
    return frame


def load_dataset(root: str | Path):  # -> pandas.DataFrame
    """Rows of a permitted data folder: manifest columns present in it plus absolute `abspath`.

    Raises ProvenanceError without a valid provenance.json, DataError for a bad
    layout or when listed images are missing. `frame.attrs` holds `root` and
    `provenance` (the parsed record).
    """
    root = Path(root)
    provenance = require_provenance(root)
    frame = dataset_rows(root, provenance)
    missing = [p for p, a in zip(frame["path"], frame["abspath"]) if not Path(a).is_file()]
    if missing:
        raise DataError(f"{root}: {len(missing)} listed image(s) are missing, e.g. {missing[0]}; "
                        "restore them or regenerate the manifest.")
    frame.attrs["root"] = str(root.resolve())
    frame.attrs["provenance"] = provenance
    return frame
