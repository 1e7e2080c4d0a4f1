"""RAR 4 archives of stored (uncompressed) members, for tests only.

No well-kept library writes RAR (its compressor is proprietary) and nothing on
Debian's main archive does, so tests that check the kit reads RAR build the
simplest valid RAR 4 file themselves: the marker block, an archive header, one
file header with its bytes per member (method "store"), and the end block,
each header guarded by the low 16 bits of its CRC-32 (the format's technote).
"""

from __future__ import annotations

import struct
import zlib

MARKER = b"Rar!\x1a\x07\x00"
STORE = 0x30
LONG_BLOCK = 0x8000  # the header is followed by data (PACK_SIZE bytes)
ENCRYPTED = 0x0004
DOS_TIME_2024 = ((2024 - 1980) << 25) | (1 << 21) | (1 << 16)  # 2024-01-01 00:00:00


def _block(head_type: int, flags: int, body: bytes) -> bytes:
    header = struct.pack("<BHH", head_type, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(header) & 0xFFFF) + header


def rar4(members: dict[str, bytes], encrypted: frozenset[str] = frozenset()) -> bytes:
    """A RAR 4 archive holding `members` (name -> bytes) stored; names in `encrypted` carry the password flag."""
    out = [MARKER, _block(0x73, 0, b"\x00" * 6)]
    for name, data in members.items():
        encoded = name.encode("utf-8")
        body = struct.pack("<IIBIIBBHI", len(data), len(data), 3, zlib.crc32(data), DOS_TIME_2024, 29, STORE,
                           len(encoded), 0o100644) + encoded  # host 3 (Unix): ATTR is st_mode
        flags = LONG_BLOCK | (ENCRYPTED if name in encrypted else 0)
        out += [_block(0x74, flags, body), data]
    out.append(_block(0x7B, 0x4000, b""))
    return b"".join(out)
