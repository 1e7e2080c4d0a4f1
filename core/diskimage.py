"""Files inside disk images, read without mounting: raw (.dd/.img/.raw/.001) and EnCase E01.

The Sleuth Kit (`pytsk3`) reads the partition table and the file systems it
knows (FAT, exFAT, NTFS, ext2/3/4, HFS+, ISO 9660, ...); libewf
(`libewf-python`, module `pyewf`) gives it an E01's media. A raw image and each
E01 segment are read through files opened with O_NOATIME
(`core.inventory.open_evidence`), so their access times stay as found.

Each file comes out with a path `pN/dir/name` (N: the partition number in
the table, 1 when the image is a bare file system), its bytes when they fit
`max_bytes`, its times, and `deleted` for an entry the file system marks
unallocated (its content is what the blocks hold now: recovered as found).
"""

from __future__ import annotations

import glob
import io
import os
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from saferkit.core.containers import container_format
from saferkit.core.inventory import detect_type, open_evidence

DISK_EXTENSIONS = (".e01", ".ex01", ".dd", ".img", ".raw", ".001", ".ima", ".vhd")
MAX_DEPTH = 64  # folders below a partition's root; deeper ones are left
MAX_FILES = 200_000  # files taken from one image


class DiskImageError(Exception):
    """The image or its file systems could not be read."""


@dataclass
class DiskFile:
    """One file found in a disk image."""

    path: str
    size: int
    data: Optional[bytes]
    deleted: bool
    mtime: Optional[float]
    atime: Optional[float]
    ctime: Optional[float]
    btime: Optional[float]
    inode: Optional[int]


def is_disk_image(path: str) -> bool:
    """By extension: a raw image has no signature of its own, and an E01 is opened by name (segments)."""
    return os.path.splitext(path)[1].lower() in DISK_EXTENSIONS


def reads_as_disk_image(path: str, head: bytes) -> bool:
    """A disk image by its extension, unless its leading bytes show another type (a picture named .img)."""
    return is_disk_image(path) and detect_type(head) is None and container_format(head) is None


def _ewf_class() -> Any:
    import pytsk3

    class EwfImage(pytsk3.Img_Info):
        def __init__(self, handle: Any, files: list[Any]) -> None:
            self.handle, self.files = handle, files
            super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

        def close(self) -> None:
            self.handle.close()
            for file in self.files:
                file.close()

        def read(self, offset: int, size: int) -> bytes:
            self.handle.seek(offset)
            return bytes(self.handle.read(size))

        def get_size(self) -> int:
            return int(self.handle.get_media_size())

    return EwfImage


def _ewf_image(path: str) -> Any:
    import pyewf

    segments = pyewf.glob(path) if hasattr(pyewf, "glob") else sorted(glob.glob(path[:-2] + "??"))
    files = [open_evidence(segment)[0] for segment in segments]  # O_NOATIME: libewf's own open would touch atime
    handle = pyewf.handle()
    try:
        handle.open_file_objects(files)
    except Exception:
        for file in files:
            file.close()
        raise
    return _ewf_class()(handle, files)


def _raw_image(path: str) -> Any:
    import pytsk3

    class RawImage(pytsk3.Img_Info):
        def __init__(self, handle: Any, size: int) -> None:
            self.handle, self.size = handle, size
            super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

        def close(self) -> None:
            self.handle.close()

        def read(self, offset: int, size: int) -> bytes:
            return os.pread(self.handle.fileno(), size, offset)

        def get_size(self) -> int:
            return int(self.size)

    handle, _ = open_evidence(path)
    return RawImage(handle, os.fstat(handle.fileno()).st_size)


def _memory_image(path: str, data: bytes) -> Any:
    """An image held in memory (a member of an archive): one E01 segment through libewf, or raw bytes."""
    import pytsk3

    if path.lower().endswith((".e01", ".ex01")):
        import pyewf

        handle = pyewf.handle()
        handle.open_file_objects([io.BytesIO(data)])
        return _ewf_class()(handle, [])

    class BytesImage(pytsk3.Img_Info):
        def __init__(self) -> None:
            super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

        def close(self) -> None:
            pass

        def read(self, offset: int, size: int) -> bytes:
            return data[offset: offset + size]

        def get_size(self) -> int:
            return len(data)

    return BytesImage()


def disk_files(path: str, max_bytes: int, data: Optional[bytes] = None) -> Iterator[DiskFile]:
    """Every file of every file system in the image at `path` (or held in `data`, an archive member's bytes,
    named by `path`); raises DiskImageError when none can be read."""
    import pytsk3

    try:
        if data is not None:
            image = _memory_image(path, data)
        else:
            image = _ewf_image(path) if path.lower().endswith((".e01", ".ex01")) else _raw_image(path)
    except (OSError, IOError) as exc:
        raise DiskImageError(f"cannot open the disk image: {exc}") from exc
    try:
        offsets = _partitions(image)
        opened = 0
        count = 0
        for number, offset in offsets:
            try:
                fs = pytsk3.FS_Info(image, offset=offset)
            except (OSError, IOError):
                continue
            opened += 1
            for found in _walk(fs, fs.open_dir(path="/"), f"p{number}", 0, max_bytes, set()):
                count += 1
                if count > MAX_FILES:
                    return
                yield found
        if not opened:
            raise DiskImageError("no file system The Sleuth Kit knows was found in the image")
    finally:
        image.close()


def _partitions(image: Any) -> list[tuple[int, int]]:
    """(number, byte offset) of each allocated partition; the whole image when there is no table."""
    import pytsk3

    try:
        volume = pytsk3.Volume_Info(image)
    except (OSError, IOError):
        return [(1, 0)]
    found: list[tuple[int, int]] = []
    for part in volume:
        if part.flags & pytsk3.TSK_VS_PART_FLAG_ALLOC and part.len > 0:
            found.append((len(found) + 1, part.start * volume.info.block_size))
    return found or [(1, 0)]


def _walk(fs: Any, directory: Any, prefix: str, depth: int, max_bytes: int, seen: set[int]) -> Iterator[DiskFile]:
    import pytsk3

    for entry in directory:
        name = entry.info.name.name.decode("utf-8", "replace")
        if name in (".", "..") or entry.info.meta is None or name.endswith("(Volume Label Entry)"):
            continue
        meta = entry.info.meta
        kind = meta.type
        deleted = bool(int(meta.flags) & int(pytsk3.TSK_FS_META_FLAG_UNALLOC)) or \
            bool(int(entry.info.name.flags) & int(pytsk3.TSK_FS_NAME_FLAG_UNALLOC))
        path = f"{prefix}/{name}"
        if kind == pytsk3.TSK_FS_META_TYPE_DIR:
            if depth < MAX_DEPTH and meta.addr not in seen and not name.startswith("$"):
                seen.add(meta.addr)
                try:
                    yield from _walk(fs, entry.as_directory(), path, depth + 1, max_bytes, seen)
                except (OSError, IOError):
                    continue
            continue
        if kind != pytsk3.TSK_FS_META_TYPE_REG:
            continue
        size = int(meta.size)
        data: Optional[bytes] = None
        if size <= max_bytes:
            try:
                data = entry.read_random(0, size) if size else b""
            except (OSError, IOError):
                data = None
        yield DiskFile(path, size, data, deleted, _time(meta.mtime), _time(meta.atime), _time(meta.ctime),
                       _time(getattr(meta, "crtime", 0)), int(meta.addr))


def _time(value: Any) -> Optional[float]:
    return float(value) if value else None
