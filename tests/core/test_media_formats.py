"""The one decode's formats and policies: HEIC/AVIF, every frame, truncated files, one pixel limit; and archives.

Pictures are procedural noise and flat colours (no people).
"""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

from saferkit.core.containers import ArchiveLimits, ArchiveRefused, Budget, container_format, members
from saferkit.core.inventory import detect_type, extension_mismatch
from saferkit.core.media import DEFAULT_POLICY, MAX_IMAGE_PIXELS, SCAN_POLICY, DecodedImage, MediaError, register_plugins
from saferkit.core.media_types import IMAGE_FORMATS


def _picture(seed: int = 0, size: tuple[int, int] = (96, 64)) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    register_plugins()
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heic_and_avif_decode_through_the_one_decode(fmt):
    decoded = DecodedImage(_encode(_picture(), fmt, quality=90))
    assert decoded.format == fmt and fmt in IMAGE_FORMATS
    assert decoded.rgb().size == (96, 64)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_file_decodes_what_is_there_under_the_scan_policy_only(fmt):
    data = _encode(_picture(), fmt)
    cut = data[: int(len(data) * 0.8)]
    with pytest.raises(MediaError):
        DecodedImage(cut, DEFAULT_POLICY).rgb()
    decoded = DecodedImage(cut, SCAN_POLICY)
    assert decoded.rgb().size == (96, 64) and decoded.partial
    whole = DecodedImage(data, SCAN_POLICY)
    whole.rgb()
    assert not whole.partial


@pytest.mark.parametrize("fmt,options", [("GIF", {"duration": 50}), ("WEBP", {"duration": 50, "lossless": True}),
                                         ("PNG", {"duration": 50}), ("TIFF", {})])
def test_every_frame_up_to_the_limit(fmt, options):
    frames = [_picture(seed) for seed in range(5)]
    data = _encode(frames[0], fmt, save_all=True, append_images=frames[1:], **options)
    decoded = DecodedImage(data)
    assert decoded.frame_count == 5
    got = list(decoded.frames())
    assert len(got) == 5 and all(frame.mode == "RGB" and frame.size == (96, 64) for frame in got)
    if fmt in ("WEBP", "PNG", "TIFF"):  # lossless: the third frame is the third picture
        assert np.array_equal(np.asarray(got[2]), np.asarray(frames[2]))
    assert len(list(decoded.frames(limit=3))) == 3


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [11_000, 20_000])  # 121 MP and 400 MP: both over the kit's limit, one message
def test_one_pixel_limit_for_every_size(side):
    with pytest.raises(MediaError) as caught:
        DecodedImage(_png_header(side, side)).rgb()
    assert caught.value.kind == "bomb"
    assert f"{MAX_IMAGE_PIXELS:,}" in str(caught.value) and "178,956,970" not in str(caught.value)


def test_the_server_accepts_what_the_scan_reads():
    from saferkit.serving.config import DEFAULT_FORMATS
    from saferkit.serving.images import decode_image

    assert DEFAULT_FORMATS == IMAGE_FORMATS
    for fmt in ("HEIF", "AVIF", "WEBP", "TIFF"):
        image = decode_image(_encode(_picture(), fmt), "upload", MAX_IMAGE_PIXELS, DEFAULT_FORMATS)
        assert image.size == (96, 64)


def test_type_by_signature_and_extension_mismatch():
    png = _encode(_picture(), "PNG")
    mime, extension = detect_type(png[:8192])
    assert mime == "image/png"
    assert extension_mismatch("notes.txt", extension) is True
    assert extension_mismatch("a/b/photo.PNG", extension) is False
    assert extension_mismatch("noextension", extension) is True
    assert detect_type(b"just some text") is None and extension_mismatch("x.txt", None) is None
    assert detect_type(_encode(_picture(), "JPEG"))[0] == "image/jpeg"


def _zip(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_members_of_each_format_are_read_in_memory():
    import zstandard

    payload = _encode(_picture(), "PNG")
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w") as archive:
        info = tarfile.TarInfo("dir/a.png")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    assert container_format(_zip([("a", b"x")])) == "zip" and container_format(tar_buffer.getvalue()) == "tar"
    [member] = members(_zip([("x/../../a.png", payload)]), "zip", Budget(), "z")
    assert member.data == payload and member.warning == "unsafe_path"
    [member] = members(tar_buffer.getvalue(), "tar", Budget(), "t")
    assert member.name == "dir/a.png" and member.data == payload
    lone = zstandard.ZstdCompressor().compress(payload)
    [member] = members(lone, "zst", Budget(), "photo.png.zst", "photo.png.zst")
    assert member.name == "photo.png" and member.data == payload


def test_limits_end_as_archive_refused():
    many = _zip([(f"f{i}.txt", b"x") for i in range(20)])
    with pytest.raises(ArchiveRefused, match="more than 10 archive entries"):
        list(members(many, "zip", Budget(ArchiveLimits(max_entries=10)), "many.zip"))
    big = _zip([("a.bin", bytes(3 << 20)), ("b.bin", bytes(3 << 20))])
    with pytest.raises(ArchiveRefused, match="bytes unpacked") as caught:
        list(members(big, "zip", Budget(ArchiveLimits(max_total_bytes=4 << 20, max_ratio=1e9)), "big.zip"))
    assert caught.value.kind == "archive_bomb"
    with pytest.raises(ArchiveRefused, match="times its packed size"):
        list(members(_zip([("zeros", bytes(16 << 20))]), "zip", Budget(), "bomb.zip"))


def test_rar_members_are_read_and_an_encrypted_one_is_a_row_of_its_kind():
    from rar4 import rar4

    payload = _encode(_picture(), "PNG")
    archive = rar4({"holiday/a.png": payload, "locked.png": b"ciphertext, not a picture"}, encrypted=frozenset({"locked.png"}))
    assert container_format(archive) == "rar"
    read, locked = members(archive, "rar", Budget(), "r.rar")
    assert read.name == "holiday/a.png" and read.data == payload and read.kind is None
    assert locked.kind == "encrypted" and locked.data is None


def test_a_rar_inside_a_zip_is_scanned_and_its_listed_picture_found(tmp_path):
    import hashlib

    from rar4 import rar4
    from rich.console import Console

    from saferkit.hashing import hash_bytes
    from saferkit.hashing.hashlist import HashRecord, write_hashlist
    from saferkit.serving.scan import store
    from saferkit.serving.scan.runner import ScanOptions, run_scan

    payload = _encode(_picture(), "PNG")
    jpeg = _encode(_picture(), "JPEG")
    source = tmp_path / "drive"
    source.mkdir()
    (source / "bundle.zip").write_bytes(_zip([("inner.rar", rar4({"x/copy.png": payload, "re-encoded.jpg": jpeg}))]))
    listed = tmp_path / "known.csv"
    write_hashlist([HashRecord("md5", hashlib.md5(payload).hexdigest(), "R1", "1"),
                    HashRecord("pdq", hash_bytes(payload, ["pdq"])["pdq"], "R2", "1")], listed)
    run_scan(ScanOptions(out=tmp_path / "scan", source=source, hashlists=[listed], workers=0, progress=False),
             Console(file=io.StringIO()))
    rows = {row["path"].rsplit("/drive/", 1)[1]: row for row in store.read_rows(tmp_path / "scan").to_pylist()}
    copy = rows["bundle.zip!/inner.rar!/x/copy.png"]
    assert copy["parent"].endswith("bundle.zip!/inner.rar") and copy["depth"] == 2
    assert {m["id"] for m in copy["matches"]} == {"R1", "R2"}
    assert {m["id"] for m in rows["bundle.zip!/inner.rar!/re-encoded.jpg"]["matches"]} == {"R2"}


def test_an_encrypted_pdf_is_its_rows_encrypted_kind_and_a_broken_one_corrupt():
    from pypdf import PdfWriter

    from saferkit.core.holdings import PDF, HoldingError, held_in

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.encrypt("a password nobody tries")
    locked = io.BytesIO()
    writer.write(locked)
    for data, kind in ((locked.getvalue(), "encrypted"), (b"%PDF-1.7\nnot really a pdf", "corrupt")):
        with pytest.raises(HoldingError) as refused:
            list(held_in(PDF, "doc.pdf", data, Budget(ArchiveLimits()), 1 << 20))
        assert refused.value.kind == kind
