"""Archives opened in memory: ZIP, TAR (plain, gz, bz2, xz, zst), lone gz/bz2/xz/zst files, 7z and RAR.

Members are read into memory, one at a time, never written to disk. Which
library reads what: ZIP by the standard `zipfile` (it tells encryption and
declared sizes before reading), TAR and the single-stream compressors by
`tarfile`, `gzip`, `bz2`, `lzma` and `zstandard`, 7z and RAR by libarchive
(`libarchive-c`; RAR 5 and RAR 4 as far as libarchive reads them).

Hostile archives end as rows, never as a crash, a full disk or a full memory:
- every unpacked byte counts against one budget per scanned file (`ArchiveLimits`):
  total unpacked bytes, entries, nesting depth, and the ratio of unpacked to
  packed bytes of each stream; crossing one raises `ArchiveRefused`
  (`archive_bomb`), read in chunks so a 42.zip-style bomb stops within the
  limit's bytes, in well under a second;
- an encrypted member is a `Member` of kind `encrypted`; a symbolic or hard
  link member, `symlink_member` (never followed); a member whose declared size
  is over the per-member limit, `too_large` (not read);
- a name that would escape an extraction folder (`../`, an absolute path, a
  drive letter) is kept as stored, read and hashed, with the warning
  `unsafe_path`.
"""

from __future__ import annotations

import bz2
import ctypes
import gzip
import io
import lzma
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any, Iterator, Optional

CHUNK = 1 << 20
RATIO_FLOOR_BYTES = 4 << 20  # the ratio limit applies once a stream has unpacked this much

# Leading bytes of each format this module opens.
SIGNATURES = (
    (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "rar"),
    (b"\x1f\x8b", "gz"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zst"),
)
STREAM_FORMATS = ("gz", "bz2", "xz", "zst")
FORMATS = ("zip", "tar", "7z", "rar", *STREAM_FORMATS)


class ArchiveRefused(Exception):
    """A limit crossed: the whole scanned file ends as one row of this kind (`archive_bomb`)."""

    def __init__(self, detail: str, kind: str = "archive_bomb") -> None:
        super().__init__(detail)
        self.kind = kind


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits for one scanned file and everything nested in it (see docs/scan.md, "Containers")."""

    max_depth: int = 4  # containers inside containers opened down to this depth (the file itself is depth 0)
    max_entries: int = 10_000  # members in all, at every depth
    max_total_bytes: int = 1 << 30  # unpacked bytes in all
    max_ratio: float = 100.0  # unpacked / packed bytes of one stream, once it passed RATIO_FLOOR_BYTES
    max_member_bytes: int = 256 << 20  # one member's size; larger members are rows of kind too_large

    def __post_init__(self) -> None:
        from saferkit.core.errors import UserError

        if self.max_depth < 0:
            raise UserError("--max-depth must be 0 (containers are not opened) or more.")
        for name in ("max_entries", "max_total_bytes", "max_member_bytes"):
            if getattr(self, name) < 1:
                raise UserError(f"--{name.replace('_', '-').replace('total-bytes', 'unpacked-mb')} must be at least 1.")
        if self.max_ratio < 1:
            raise UserError("--max-ratio must be at least 1.")


@dataclass
class Budget:
    """What one scanned file has used so far; shared by every container nested in it."""

    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    entries: int = 0
    unpacked: int = 0

    def count_entry(self, where: str) -> None:
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise ArchiveRefused(f"{where}: more than {self.limits.max_entries:,} archive entries in this file")

    def count_bytes(self, n: int, where: str) -> None:
        self.unpacked += n
        if self.unpacked > self.limits.max_total_bytes:
            raise ArchiveRefused(f"{where}: more than {self.limits.max_total_bytes:,} bytes unpacked from this file")


@dataclass
class Member:
    """One archive member: its bytes, or the kind of row it becomes without them."""

    name: str
    data: Optional[bytes] = None
    kind: Optional[str] = None  # encrypted, symlink_member, too_large, not_regular, corrupt
    detail: str = ""
    warning: Optional[str] = None  # unsafe_path
    mtime: Optional[float] = None
    declared_size: Optional[int] = None


def container_format(head: bytes) -> Optional[str]:
    """Which format of FORMATS the leading bytes show, or None."""
    for magic, name in SIGNATURES:
        if head.startswith(magic):
            return name
    if head[257:262] == b"ustar":
        return "tar"
    return None


def is_unsafe(name: str) -> bool:
    """A name that would land outside the folder it was extracted into."""
    clean = name.replace("\\", "/")
    return clean.startswith("/") or (len(clean) > 1 and clean[1] == ":") or ".." in clean.split("/")


def read_limited(stream: IO[bytes], limit: int, packed: int, budget: Budget, where: str) -> bytes:
    """Read a stream to its end in chunks, refusing it past `limit` bytes or the budget."""
    parts: list[bytes] = []
    total = 0
    while block := stream.read(CHUNK):
        total += len(block)
        budget.count_bytes(len(block), where)
        if total > RATIO_FLOOR_BYTES and total > budget.limits.max_ratio * max(packed, 1):
            raise ArchiveRefused(f"{where}: unpacks more than {budget.limits.max_ratio:g} times its packed size")
        if total > limit:
            raise ArchiveRefused(f"{where}: unpacks to more than {limit:,} bytes", kind="too_large")
        parts.append(block)
    return b"".join(parts)


def members(data: bytes, fmt: str, budget: Budget, where: str, stream_name: str = "") -> Iterator[Member]:
    """Every member of a container of format `fmt`, in stored order; raises ArchiveRefused for a bomb."""
    if fmt == "zip":
        yield from _zip_members(data, budget, where)
    elif fmt == "tar":
        yield from _tar_members(io.BytesIO(data), budget, where)
    elif fmt in STREAM_FORMATS:
        unpacked = read_limited(_decompressor(fmt, data), budget.limits.max_total_bytes, len(data), budget, where)
        if container_format(unpacked[:512]) == "tar":
            yield from _tar_members(io.BytesIO(unpacked), budget, where)
        else:
            budget.count_entry(where)
            yield Member(_inner_name(stream_name, fmt), unpacked, declared_size=len(unpacked))
    else:
        yield from _libarchive_members(data, budget, where)


def _decompressor(fmt: str, data: bytes) -> IO[bytes]:
    raw = io.BytesIO(data)
    if fmt == "gz":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if fmt == "bz2":
        return bz2.BZ2File(raw)
    if fmt == "xz":
        return lzma.LZMAFile(raw)
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(raw)


def _inner_name(stream_name: str, fmt: str) -> str:
    """photo.jpg.gz -> photo.jpg; a name without the format's extension gets `.unpacked`."""
    base = stream_name.rsplit("/", 1)[-1]
    for extension in {"gz": (".gz", ".tgz"), "bz2": (".bz2",), "xz": (".xz",), "zst": (".zst", ".zstd")}[fmt]:
        if base.lower().endswith(extension):
            return base[: -len(extension)] or "unpacked"
    return f"{base or 'stream'}.unpacked"


def _zip_members(data: bytes, budget: Budget, where: str) -> Iterator[Member]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            budget.count_entry(where)
            member = Member(info.filename, declared_size=info.file_size, warning="unsafe_path" if is_unsafe(info.filename) else None)
            try:
                import calendar

                member.mtime = float(calendar.timegm((*info.date_time, 0, 0, 0)))
            except (ValueError, OverflowError):
                member.mtime = None
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                member.kind, member.detail = "symlink_member", "a symbolic link stored in the archive; not followed"
            elif info.flag_bits & 0x1:
                member.kind, member.detail = "encrypted", "encrypted member; no password is tried"
            elif info.file_size > budget.limits.max_member_bytes:
                member.kind = "too_large"
                member.detail = f"declares {info.file_size:,} bytes, over the limit of {budget.limits.max_member_bytes:,}"
            else:
                try:
                    with archive.open(info) as stream:
                        member.data = read_limited(stream, budget.limits.max_member_bytes, info.compress_size, budget,
                                                   f"{where}!/{info.filename}")
                except ArchiveRefused as exc:
                    if exc.kind != "too_large":
                        raise
                    member.kind, member.detail = exc.kind, str(exc)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError, lzma.LZMAError) as exc:
                    member.kind, member.detail = "corrupt", f"cannot unpack: {exc}"
            yield member


def _tar_members(raw: IO[bytes], budget: Budget, where: str) -> Iterator[Member]:
    with tarfile.open(fileobj=raw, mode="r:") as archive:
        for info in archive:
            if info.isdir():
                continue
            budget.count_entry(where)
            member = Member(info.name, declared_size=info.size, mtime=float(info.mtime),
                            warning="unsafe_path" if is_unsafe(info.name) else None)
            if info.issym() or info.islnk():
                member.kind = "symlink_member"
                member.detail = f"a {'symbolic' if info.issym() else 'hard'} link to {info.linkname!r}; not followed"
            elif not info.isreg():
                member.kind, member.detail = "not_regular", "a device, FIFO or other special member; not read"
            elif info.size > budget.limits.max_member_bytes:
                member.kind = "too_large"
                member.detail = f"declares {info.size:,} bytes, over the limit of {budget.limits.max_member_bytes:,}"
            else:
                stream = archive.extractfile(info)
                try:
                    member.data = read_limited(stream, budget.limits.max_member_bytes, info.size, budget, f"{where}!/{info.name}") if stream else b""
                except (tarfile.TarError, OSError, EOFError) as exc:
                    member.kind, member.detail = "corrupt", f"cannot unpack: {exc}"
            yield member


def _libarchive_members(data: bytes, budget: Budget, where: str) -> Iterator[Member]:
    import libarchive

    with libarchive.memory_reader(data) as archive:
        for entry in archive:
            if entry.isdir:
                continue
            budget.count_entry(where)
            name = entry.pathname or ""
            size = entry.size
            member = Member(name, declared_size=size, mtime=float(entry.mtime) if entry.mtime else None,
                            warning="unsafe_path" if is_unsafe(name) else None)
            if entry.issym or entry.islnk:
                member.kind, member.detail = "symlink_member", f"a link to {entry.linkpath!r}; not followed"
            elif _is_encrypted(entry):
                member.kind, member.detail = "encrypted", "encrypted member; no password is tried"
            elif not entry.isreg:
                member.kind, member.detail = "not_regular", "a device, FIFO or other special member; not read"
            elif size is not None and size > budget.limits.max_member_bytes:
                member.kind = "too_large"
                member.detail = f"declares {size:,} bytes, over the limit of {budget.limits.max_member_bytes:,}"
            else:
                try:
                    member.data = _libarchive_read(entry, budget, f"{where}!/{name}")
                except ArchiveRefused as exc:
                    if exc.kind != "too_large":
                        raise
                    member.kind, member.detail = exc.kind, str(exc)
                except libarchive.ArchiveError as exc:
                    text = str(exc)
                    encrypted = "ncrypt" in text or "assword" in text
                    member.kind = "encrypted" if encrypted else "corrupt"
                    member.detail = "encrypted member; no password is tried" if encrypted else f"cannot unpack: {text}"
            yield member


def _is_encrypted(entry: object) -> bool:
    """libarchive's own flag (`archive_entry_is_data_encrypted`), which libarchive-c does not wrap: a stored
    member of an encrypted RAR would otherwise read as if its ciphertext were the file."""
    return bool(_encrypted_flag()(entry._entry_p))  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _encrypted_flag() -> Any:
    """The ctypes binding of `archive_entry_is_data_encrypted`, typed once (not for every member)."""
    from libarchive import ffi

    check = ffi.libarchive.archive_entry_is_data_encrypted
    check.argtypes, check.restype = [ctypes.c_void_p], ctypes.c_int
    return check


def _libarchive_read(entry: object, budget: Budget, where: str) -> bytes:
    parts: list[bytes] = []
    total = 0
    for block in entry.get_blocks(CHUNK):  # type: ignore[attr-defined]
        total += len(block)
        budget.count_bytes(len(block), where)
        if total > budget.limits.max_member_bytes:
            raise ArchiveRefused(f"{where}: unpacks to more than {budget.limits.max_member_bytes:,} bytes", kind="too_large")
        parts.append(block)
    return b"".join(parts)
