"""The inventory of one evidence file: three digests, type by signature, times and identity.

Every regular file gets these, whatever it holds (known-material lists are
mostly whole-file MD5/SHA-1 of every kind of file). The bytes are read once,
in chunks, so the digests of a file of any size take bounded memory; the
bytes are kept only when the caller wants to look inside them (decode, open
as a container) and they fit its limit.

Evidence is opened with O_NOATIME where the OS allows it (Linux, for the
file's owner or a process with CAP_FOWNER), so reading it leaves its access
time as it was; `noatime` on the result says whether that was honoured. The
MAC times are those found before the read.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Optional

DIGESTS = ("md5", "sha1", "sha256")
CHUNK = 1 << 20
SNIFF_BYTES = 8192  # enough for every signature `filetype` knows

# Extensions that name the same type as the one `filetype` reports.
SAME_TYPE = {
    "jpg": {"jpg", "jpeg", "jpe", "jfif"}, "tif": {"tif", "tiff"}, "heic": {"heic", "heif", "hif"},
    "mp4": {"mp4", "m4v", "mov"}, "mov": {"mov", "mp4", "qt"}, "m4v": {"m4v", "mp4"}, "gz": {"gz", "tgz"},
    "bz2": {"bz2", "tbz2", "tbz"}, "xz": {"xz", "txz"}, "zst": {"zst", "tzst", "zstd"}, "png": {"png", "apng"},
    "apng": {"png", "apng"}, "tar": {"tar"}, "zip": {"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "jar", "apk"},
    "mpg": {"mpg", "mpeg"}, "ico": {"ico", "cur"}, "webp": {"webp"},
}


def open_evidence(path: str | os.PathLike[str]) -> tuple[BinaryIO, bool]:
    """The file opened for reading, and whether O_NOATIME was honoured (access time left untouched)."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    if noatime:
        try:
            return os.fdopen(os.open(path, flags | noatime), "rb", buffering=0), True
        except PermissionError as exc:  # EPERM: not the owner; EACCES is a real refusal
            if exc.errno != errno.EPERM:
                raise
    return os.fdopen(os.open(path, flags), "rb", buffering=0), False


def digest_bytes(data: bytes, names: tuple[str, ...] = DIGESTS) -> dict[str, str]:
    """The digests (the three, unless `names` asks for fewer) of bytes already in memory (members, disk-image files)."""
    return {name: hashlib.new(name, data).hexdigest() for name in names}


@dataclass
class FileRead:
    """What one read of a file gave: its digests, its leading bytes, and the bytes when kept."""

    digests: dict[str, str]
    head: bytes
    size: int
    data: Optional[bytes]
    noatime: bool


def read_evidence(path: str | os.PathLike[str], keep_up_to: int,
                  keep_if: Optional[Callable[[bytes], bool]] = None, digests: tuple[str, ...] = DIGESTS) -> FileRead:
    """Stream the file once: digests always (the three, unless `digests` asks for fewer), the whole bytes
    only when they are at most `keep_up_to` (and `keep_if(leading bytes)`, when given, says they are worth keeping)."""
    hashers = [hashlib.new(name) for name in digests]
    kept: Optional[list[bytes]] = []
    size = 0
    head = b""
    handle, noatime = open_evidence(path)
    with handle:
        while block := handle.read(CHUNK):
            if not head:
                head = block[:SNIFF_BYTES]
                if keep_if is not None and not keep_if(head):
                    kept = None
            size += len(block)
            for hasher in hashers:
                hasher.update(block)
            if kept is not None:
                kept.append(block)
                if size > keep_up_to:
                    kept = None  # too big to look inside: digests only, in bounded memory
    data = b"".join(kept) if kept is not None else None
    return FileRead({name: h.hexdigest() for name, h in zip(digests, hashers)}, head, size, data, noatime)


def stat_facts(info: os.stat_result) -> dict[str, Any]:
    """Size, MAC times (seconds, as found), birth time where the OS gives one, inode and device."""
    birth = getattr(info, "st_birthtime", None)
    return {
        "size": int(info.st_size), "mtime": info.st_mtime_ns / 1e9, "atime": info.st_atime_ns / 1e9,
        "ctime": info.st_ctime_ns / 1e9, "btime": float(birth) if birth is not None else None,
        "inode": int(info.st_ino) if info.st_ino else None, "device": int(info.st_dev) if info.st_dev else None,
    }


def detect_type(head: bytes) -> Optional[tuple[str, str]]:
    """(MIME type, usual extension) by signature, or None when no signature is known."""
    import filetype

    if not head:
        return None
    found = filetype.guess(head)
    if found is None:
        return None
    return str(found.mime), str(found.extension)


def extension_mismatch(name: str, detected_extension: Optional[str]) -> Optional[bool]:
    """True when the name's extension does not fit the detected type (none counts), None when the type is unknown."""
    if detected_extension is None:
        return None
    base = name.rsplit("/", 1)[-1]
    extension = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    return extension not in SAME_TYPE.get(detected_extension, {detected_extension})
