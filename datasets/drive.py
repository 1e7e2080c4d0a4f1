"""`saferkit data synth-drive OUT`: a folder built like a seized drive, from the kit's synthetic scenes.

Nothing here draws people: every picture is a synthetic scene (shapes and
textures, `datasets.scene`). Some scenes are "listed": `known.csv` holds their
MD5 and PDQ, as a known-material list would. The drive then holds them in every
way a real drive does: exact copies, re-encodings (JPEG, WebP, HEIC, AVIF),
crops, renamed with a wrong extension, on a frame of an animated GIF/WebP/APNG
or a page of a multi-page TIFF, inside a PDF, inside ZIP/TAR/7z archives
nested several deep, truncated as a carved file is, and on a small FAT disk
image (made with mkfs.vfat and mtools, never mounted; one copy deleted there).
Unlisted scenes, documents, a short video, a listed video (a copy in a ZIP,
a re-encode two archives deep), corrupt, truncated and zero-byte files,
symlink loops, an archive bomb and hostile archives fill the rest.

OUT/
  drive/       the folder to scan
  known.csv    the hash list (`saferkit scan --hashlist`)
  truth.json   ground truth: for every place a listed item sits (a path inside
               drive/, with `!/` into containers and `#frame=N` for frames), the
               list id it must match and how it got there; plus the hostile
               files and the row kind each must end as.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PIL import Image

from saferkit.core.atomic import staged_folder
from saferkit.core.errors import UserError
from saferkit.core.media import register_plugins

TRUTH_NAME = "truth.json"
LIST_NAME = "known.csv"
DRIVE_NAME = "drive"
DEFAULT_SIZE = 256
BOMB_BYTES = 64 << 20  # zeros in the zip bomb: far over the ratio limit, small to write
FILL_FIRST, FILL_BASES = 360, 40  # scenes drawn for --fill (none of them listed)
SPARE_FIRST = 300  # scenes 300..359 stand in for a listed scene too plain for PDQ (quality under 50)
MIN_LISTED_QUALITY = 50  # the PDQ reference's bar: lists do not carry hashes of pictures PDQ cannot describe
FILL_TURNS = (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270, Image.Transpose.FLIP_LEFT_RIGHT,
              Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.TRANSPOSE, Image.Transpose.TRANSVERSE)


@dataclass
class Drive:
    """What is being built: the drive folder, the list entries and the ground truth."""

    root: Path
    size: int
    seed: int
    scenes: Callable[[int], Image.Image]
    listed: list[dict[str, Any]] = field(default_factory=list)  # list rows: hash_type, hash, id, category, source
    truth: list[dict[str, Any]] = field(default_factory=list)  # where each listed item sits
    hostile: list[dict[str, Any]] = field(default_factory=list)  # path -> expected row kind
    tools: dict[str, bool] = field(default_factory=dict)
    spares_used: int = 0

    def put(self, relative: str, data: bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def expect(self, where: str, item: str, how: str, **extra: Any) -> None:
        self.truth.append({"path": where, "id": item, "how": how, **extra})

    def expect_kind(self, where: str, kind: str) -> None:
        self.hostile.append({"path": where, "kind": kind})


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.copy().save(buffer, fmt, **options)  # a copy: Pillow keeps one save's encoder settings on the image
    return buffer.getvalue()


def _frames_file(images: list[Image.Image], fmt: str, **options: Any) -> bytes:
    return encode(images[0], fmt, save_all=True, append_images=[image.copy() for image in images[1:]], **options)


def _scene_source(size: int, seed: int) -> Callable[[int], Image.Image]:
    from saferkit.datasets.plan import make_config, plan_rows
    from saferkit.datasets.scene import render_scene

    rows = plan_rows(make_config(n=400, seed=seed, size=size, splits="test=1.0"))

    def scene(number: int) -> Image.Image:
        return render_scene(rows[number % len(rows)], size).copy()

    return scene


def build_drive(out: str | Path, *, size: int = DEFAULT_SIZE, seed: int = 0, fill: int = 0, overwrite: bool = False) -> dict[str, Any]:
    """Write the drive, the list and the truth into `out` (all or nothing); returns the truth document."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not overwrite or not (out / TRUTH_NAME).is_file():
            raise UserError(f"{out} is not empty; choose a new folder (or --overwrite an earlier synth-drive).")
    if fill < 0:
        raise UserError("--fill must be 0 or more.")
    register_plugins()  # HEIC writing comes with the reader, from pillow-heif
    with staged_folder(out) as staging:
        drive = Drive(staging / DRIVE_NAME, size, seed, _scene_source(size, seed))
        drive.root.mkdir()
        _listed_items(drive)
        _containers(drive)
        _disk_image(drive)
        _noise(drive, fill)
        lines = ["hash_type,hash,id,category,source"] + [
            f"{e['hash_type']},{e['hash']},{e['id']},{e['category']},synth-drive" for e in drive.listed]
        (staging / LIST_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
        document = {"statement": "Synthetic scenes only (shapes and textures); no people.", "seed": seed,
                    "size": size, "fill": fill, "drive": DRIVE_NAME, "hashlist": LIST_NAME, "tools": drive.tools,
                    "listed": drive.truth, "hostile": drive.hostile}
        (staging / TRUTH_NAME).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document


def reference_pdq(image: Image.Image) -> str:
    """PDQ of an RGB picture by Meta's reference code (`pdqhash`), as the list's maker would compute it.

    Not `saferkit.hashing` (which imports this package): the kit's PDQ conforms to the
    reference (docs/hashing.md, "Conformance"); on these scenes the two differ by 0-2 bits.
    """
    return _reference_pdq_and_quality(image)[0]


def _reference_pdq_and_quality(image: Image.Image) -> tuple[str, int]:
    import pdqhash

    bits, quality = pdqhash.compute(np.ascontiguousarray(np.asarray(image.convert("RGB"))))
    return np.packbits(np.asarray(bits, dtype=np.uint8).ravel()).tobytes().hex(), int(quality)


def reference_vpdq(data: bytes) -> list[str]:
    """The clip's vPDQ frame hashes as a list maker computes them: the reference PDQ of each frame sampled at 1/s.

    Not `saferkit.hashing.vpdq` (hashing imports this package); the kit's vPDQ conforms to the reference.
    """
    from saferkit.core.video import Sampling, VideoReader

    with VideoReader(data) as reader:
        return [reference_pdq(Image.fromarray(frame.pixels)) for frame in reader.frames(Sampling())]


def _list_scene(drive: Drive, number: int) -> tuple[str, Image.Image, bytes]:
    """A listed scene: its PNG's MD5 and its PDQ go on the list; returns (id, image, PNG bytes)."""
    import hashlib

    image = drive.scenes(number)
    pdq, quality = _reference_pdq_and_quality(image)
    while quality < MIN_LISTED_QUALITY and drive.spares_used < FILL_FIRST - SPARE_FIRST:  # a near-flat scene
        image = drive.scenes(SPARE_FIRST + drive.spares_used)
        drive.spares_used += 1
        pdq, quality = _reference_pdq_and_quality(image)
    png = encode(image, "PNG")
    item = f"S{number:03d}"
    drive.listed.append({"hash_type": "md5", "hash": hashlib.md5(png).hexdigest(), "id": item, "category": "listed-scene"})
    drive.listed.append({"hash_type": "pdq", "hash": pdq, "id": item, "category": "listed-scene"})
    return item, image, png


def _list_file(drive: Drive, relative: str, item: str) -> None:
    """A whole file (archive, PDF, video) listed by its MD5, as lists of every kind of file do."""
    import hashlib

    digest = hashlib.md5((drive.root / relative).read_bytes()).hexdigest()
    drive.listed.append({"hash_type": "md5", "hash": digest, "id": item, "category": "listed-file"})
    drive.expect(relative, item, "file-md5")


def _crop(image: Image.Image, share: float = 0.01) -> Image.Image:
    width, height = image.size
    dx, dy = int(width * share), int(height * share)
    return image.crop((dx, dy, width - dx, height - dy))


def _listed_items(drive: Drive) -> None:
    """Listed scenes 0-11, loose, in every image form, on frames and pages, in a PDF."""
    s0, img0, png0 = _list_scene(drive, 0)
    drive.put("Users/alice/Pictures/holiday_001.png", png0)
    drive.expect("Users/alice/Pictures/holiday_001.png", s0, "copy")
    s1, img1, _ = _list_scene(drive, 1)
    drive.put("Users/alice/Pictures/IMG_0002.jpg", encode(img1, "JPEG", quality=85))
    drive.expect("Users/alice/Pictures/IMG_0002.jpg", s1, "reencode-jpeg")
    s2, img2, _ = _list_scene(drive, 2)
    drive.put("Users/alice/DCIM/IMG_0003.HEIC", encode(img2, "HEIF", quality=80))
    drive.expect("Users/alice/DCIM/IMG_0003.HEIC", s2, "reencode-heic")
    s3, img3, _ = _list_scene(drive, 3)
    drive.put("Users/alice/DCIM/IMG_0004.avif", encode(img3, "AVIF", quality=80))
    drive.expect("Users/alice/DCIM/IMG_0004.avif", s3, "reencode-avif")
    # carved JPEGs: a progressive one cut to 80% of its bytes still holds the whole picture at low detail;
    # a baseline one holds the top rows only, the rest filled grey: PDQ moves, so a partial decode is matched
    # within twice the threshold plus one (hashing.algorithms.partial_threshold)
    s4, img4, _ = _list_scene(drive, 4)
    jpeg = encode(img4, "JPEG", quality=90, progressive=True)
    drive.put("carved/f0000412.jpg", jpeg[: int(len(jpeg) * 0.8)])
    drive.expect("carved/f0000412.jpg", s4, "truncated-progressive-jpeg-80", partial=True)
    s13, img13, _ = _list_scene(drive, 13)
    jpeg = encode(img13, "JPEG", quality=90)
    drive.put("carved/f0000413.jpg", jpeg[: int(len(jpeg) * 0.9)])
    drive.expect("carved/f0000413.jpg", s13, "truncated-baseline-jpeg-90", partial=True)
    s14, img14, _ = _list_scene(drive, 14)
    jpeg = encode(img14, "JPEG", quality=90)
    drive.put("carved/f0000414.jpg", jpeg[: int(len(jpeg) * 0.8)])
    drive.expect("carved/f0000414.jpg", s14, "truncated-baseline-jpeg-80", partial=True)
    s34, img34, _ = _list_scene(drive, 34)  # cut at 65%: found only with the wider PDQ distance of partial decodes
    jpeg = encode(img34, "JPEG", quality=90)
    drive.put("carved/f0000415.jpg", jpeg[: int(len(jpeg) * 0.65)])
    drive.expect("carved/f0000415.jpg", s34, "truncated-baseline-jpeg-65", partial=True)
    s5, img5, _ = _list_scene(drive, 5)
    drive.put("Users/alice/Documents/budget.txt", encode(img5, "PNG"))  # a picture with a wrong extension
    drive.expect("Users/alice/Documents/budget.txt", s5, "copy-wrong-extension", extension_mismatch=True)
    s6, img6, _ = _list_scene(drive, 6)
    drive.put("Users/alice/Pictures/crop_0007.webp", encode(_crop(img6), "WEBP", quality=90))
    drive.expect("Users/alice/Pictures/crop_0007.webp", s6, "crop-webp")
    fillers = [drive.scenes(200 + i) for i in range(6)]
    s7, img7, _ = _list_scene(drive, 7)
    drive.put("Users/bob/anim/loop.gif", _frames_file([*fillers[:3], img7, *fillers[3:]], "GIF", duration=100, loop=0))
    drive.expect("Users/bob/anim/loop.gif#frame=3", s7, "gif-frame")
    s8, img8, _ = _list_scene(drive, 8)
    drive.put("Users/bob/anim/sticker.webp", _frames_file([fillers[0], fillers[1], img8], "WEBP", duration=100, quality=90))
    drive.expect("Users/bob/anim/sticker.webp#frame=2", s8, "webp-frame")
    s9, img9, _ = _list_scene(drive, 9)
    drive.put("Users/bob/anim/banner.png", _frames_file([fillers[2], img9], "PNG", duration=100))
    drive.expect("Users/bob/anim/banner.png#frame=1", s9, "apng-frame")
    s10, img10, _ = _list_scene(drive, 17)  # scene 10 is nearly flat (PDQ quality 27-35): no near match by design (issue 21)
    drive.put("Users/bob/scans/fax.tif", _frames_file([fillers[4], img10, fillers[5]], "TIFF"))
    drive.expect("Users/bob/scans/fax.tif#frame=1", s10, "tiff-page")
    s11, img11, _ = _list_scene(drive, 11)
    drive.put("Users/bob/Documents/report.pdf", _frames_file([fillers[3], img11], "PDF", resolution=72.0))
    drive.expect("Users/bob/Documents/report.pdf!/page2/image1.jpg", s11, "pdf-image")
    _list_file(drive, "Users/bob/Documents/report.pdf", "F-pdf")
    s12, img12, _ = _list_scene(drive, 12)
    png12 = encode(img12, "PNG")
    drive.put("carved/f0000977.png", png12[: int(len(png12) * 0.8)])
    drive.expect("carved/f0000977.png", s12, "truncated-png", partial=True)


def _zip(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar(entries: list[tuple[str, bytes]], mode: str = "w", links: list[tuple[str, str]] = ()) -> bytes:  # type: ignore[assignment]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def _sevenzip(entries: list[tuple[str, bytes]], password: str | None = None) -> bytes:
    import py7zr

    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w", password=password) as archive:
        for name, data in entries:
            archive.writestr(data, name)
    return buffer.getvalue()


def _encrypted_pdf(data: bytes) -> bytes:
    """The PDF encrypted with a user password (RC4, which pypdf writes without extra packages)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt("not-tried", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _containers(drive: Drive) -> None:
    """Listed scenes 20-29 inside archives, nested; plus the bomb and the hostile archives."""
    import zstandard

    s20, _, png20 = _list_scene(drive, 20)
    s21, img21, _ = _list_scene(drive, 21)
    s22, _, png22 = _list_scene(drive, 22)
    s23, img23, _ = _list_scene(drive, 23)
    s24, _, png24 = _list_scene(drive, 24)
    s25, img25, _ = _list_scene(drive, 25)
    s26, _, png26 = _list_scene(drive, 26)
    s27, img27, _ = _list_scene(drive, 27)
    plain = [(f"misc/scene_{i}.png", encode(drive.scenes(220 + i), "PNG")) for i in range(3)]
    # photos.zip: a copy at the top, a zip inside it with a JPEG re-encoding
    inner = _zip([("img_03.jpg", encode(img21, "JPEG", quality=80)), plain[0]])
    drive.put("Users/alice/Downloads/photos.zip", _zip([("photos/img_01.png", png20), ("photos/nested.zip", inner), plain[1]]))
    drive.expect("Users/alice/Downloads/photos.zip!/photos/img_01.png", s20, "zip-copy")
    drive.expect("Users/alice/Downloads/photos.zip!/photos/nested.zip!/img_03.jpg", s21, "zip-in-zip-jpeg")
    _list_file(drive, "Users/alice/Downloads/photos.zip", "F-zip")
    # backup.tar.gz holding a zip holding a tar.xz holding the listed copy: depth 3
    deep = _tar([("deep/img_05.png", png22)], "w:xz")
    middle = _zip([("inner/archive.tar.xz", deep), plain[2]])
    drive.put("backup/backup.tar.gz", _tar([("photos/nested.zip", middle), ("photos/img_04.webp", encode(img23, "WEBP", quality=85))], "w:gz"))
    drive.expect("backup/backup.tar.gz!/photos/nested.zip!/inner/archive.tar.xz!/deep/img_05.png", s22, "depth-3-copy")
    drive.expect("backup/backup.tar.gz!/photos/img_04.webp", s23, "tar-gz-webp")
    drive.put("backup/old.7z", _sevenzip([("pics/img_06.png", png24), ("pics/img_07.jpg", encode(img25, "JPEG", quality=75))]))
    drive.expect("backup/old.7z!/pics/img_06.png", s24, "7z-copy")
    drive.expect("backup/old.7z!/pics/img_07.jpg", s25, "7z-jpeg")
    drive.put("backup/cloud.tar.bz2", _tar([("sync/img_08.png", png26)], "w:bz2"))
    drive.expect("backup/cloud.tar.bz2!/sync/img_08.png", s26, "tar-bz2-copy")
    drive.put("backup/phone.tar.zst", zstandard.ZstdCompressor().compress(_tar([("dcim/img_09.jpg", encode(img27, "JPEG", quality=88))])))
    drive.expect("backup/phone.tar.zst!/dcim/img_09.jpg", s27, "tar-zst-jpeg")
    # hostile archives: each ends as a row of its kind
    drive.put("hostile/bomb.zip", _zip([("zeros.bin", bytes(BOMB_BYTES))]))
    drive.expect_kind("hostile/bomb.zip", "archive_bomb")
    drive.put("hostile/slip.zip", _zip([("../../etc/evil.png", encode(drive.scenes(230), "PNG"))]))
    drive.expect_kind("hostile/slip.zip!/../../etc/evil.png", "unsafe_path")
    drive.put("hostile/links.tar", _tar([("/abs/path.png", encode(drive.scenes(231), "PNG"))], links=[("link.png", "/etc/passwd")]))
    drive.expect_kind("hostile/links.tar!//abs/path.png", "unsafe_path")
    drive.expect_kind("hostile/links.tar!/link.png", "symlink_member")
    huge = bytearray(_tar([("huge.bin", b"x" * 512)]))
    header = tarfile.TarInfo("huge.bin")
    header.size, header.mtime = 300 << 20, 1_700_000_000  # declares 300 MB; holds 512 bytes
    huge[:512] = header.tobuf(tarfile.USTAR_FORMAT)
    drive.put("hostile/huge.tar", bytes(huge))
    drive.expect_kind("hostile/huge.tar!/huge.bin", "too_large")
    drive.put("hostile/locked.7z", _sevenzip([("secret.png", encode(drive.scenes(232), "PNG"))], password="not-tried"))
    drive.expect_kind("hostile/locked.7z!/secret.png", "encrypted")
    locked = bytearray(_zip([("secret.png", encode(drive.scenes(233), "PNG"))], zipfile.ZIP_STORED))
    locked[6] |= 0x01  # the "encrypted" flag, in the local header and the central directory
    central = locked.rfind(b"PK\x01\x02")
    locked[central + 8] |= 0x01
    drive.put("hostile/locked.zip", bytes(locked))
    drive.expect_kind("hostile/locked.zip!/secret.png", "encrypted")
    drive.put("hostile/locked.pdf", _encrypted_pdf(encode(drive.scenes(235), "PDF")))
    drive.expect_kind("hostile/locked.pdf", "encrypted")
    drive.put("hostile/broken.zip", _zip([("a.png", encode(drive.scenes(234), "PNG"))])[:-30])
    drive.expect_kind("hostile/broken.zip", "corrupt")


def _disk_image(drive: Drive) -> None:
    """A 4 MB FAT image with a listed copy and a deleted listed copy (mkfs.vfat + mtools; no mount)."""
    mkfs, mcopy = shutil.which("mkfs.vfat") or shutil.which("mkfs.fat"), shutil.which("mcopy")
    drive.tools.update({"mkfs.vfat": bool(mkfs), "mcopy": bool(mcopy), "ewfacquire": bool(shutil.which("ewfacquire"))})
    if not (mkfs and mcopy):
        return
    s30, _, png30 = _list_scene(drive, 30)
    s31, _, png31 = _list_scene(drive, 31)
    image = drive.root / "evidence" / "usb.img"
    image.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    with tempfile.TemporaryDirectory() as scratch:
        keep, gone = Path(scratch) / "IMG_0030.PNG", Path(scratch) / "GONE.PNG"
        keep.write_bytes(png30)
        gone.write_bytes(png31)
        commands = [[mkfs, "-C", "-n", "USB", str(image), "4096"],
                    ["mmd", "-i", str(image), "::/DCIM"],
                    [mcopy, "-i", str(image), str(keep), "::/DCIM/IMG_0030.PNG"],
                    [mcopy, "-i", str(image), str(gone), "::/GONE.PNG"],
                    ["mdel", "-i", str(image), "::/GONE.PNG"]]
        for command in commands:
            subprocess.run(command, check=True, capture_output=True, env=env)
    drive.expect("evidence/usb.img!/p1/DCIM/IMG_0030.PNG", s30, "disk-image-copy")
    drive.expect("evidence/usb.img!/p1/", s31, "disk-image-deleted", deleted=True, name_suffix="ONE.PNG")
    _e01_image(drive, image, s30, s31)
    _partitioned_disk(drive, mkfs, mcopy, env)
    _ext_image(drive)


def _e01_image(drive: Drive, raw: Path, copy_scene: str, deleted_scene: str) -> None:
    """An EnCase (E01) acquisition of the FAT image, as agencies receive disks (ewfacquire, Debian's ewf-tools)."""
    ewfacquire = shutil.which("ewfacquire")
    if not ewfacquire:
        return
    target = drive.root / "evidence" / "usb-acquired"
    subprocess.run([ewfacquire, "-u", "-q", "-t", str(target), "-f", "encase6", "-c", "deflate:fast", "-C", "SYNTH-1",
                    "-D", "synthetic USB stick", "-e", "saferkit", "-E", "EX-1", "-N", "synthetic drive", str(raw)],
                   check=True, capture_output=True)
    drive.expect("evidence/usb-acquired.E01!/p1/DCIM/IMG_0030.PNG", copy_scene, "e01-copy")
    drive.expect("evidence/usb-acquired.E01!/p1/", deleted_scene, "e01-deleted", deleted=True, name_suffix="ONE.PNG")
    # disk images inside archives, as backups of acquisitions are kept: read from the member's bytes in memory
    drive.put("backup/usb-acquired.zip", _zip([("usb-acquired.E01", (target.parent / "usb-acquired.E01").read_bytes())]))
    drive.expect("backup/usb-acquired.zip!/usb-acquired.E01!/p1/DCIM/IMG_0030.PNG", copy_scene, "e01-in-zip-copy")
    drive.expect("backup/usb-acquired.zip!/usb-acquired.E01!/p1/", deleted_scene, "e01-in-zip-deleted", deleted=True,
                 name_suffix="ONE.PNG")
    drive.put("backup/usb.tar", _tar([("images/usb.img", raw.read_bytes())]))
    drive.expect("backup/usb.tar!/images/usb.img!/p1/DCIM/IMG_0030.PNG", copy_scene, "disk-image-in-tar-copy")
    drive.expect("backup/usb.tar!/images/usb.img!/p1/", deleted_scene, "disk-image-in-tar-deleted", deleted=True,
                 name_suffix="ONE.PNG")


def _partitioned_disk(drive: Drive, mkfs: str, mcopy: str, env: dict[str, str]) -> None:
    """An 8 MB disk with an MBR partition table and a FAT file system in partition 1 (at 1 MiB)."""
    s32, img32, _ = _list_scene(drive, 32)
    disk = drive.root / "evidence" / "laptop.dd"
    start, sectors = 2048, 14336  # partition 1: sectors 2048 .. 16383
    with open(disk, "wb") as handle:
        handle.truncate(8 << 20)
    entry = bytes([0x00, 0, 0, 0, 0x0C, 0, 0, 0]) + start.to_bytes(4, "little") + sectors.to_bytes(4, "little")
    with open(disk, "r+b") as handle:
        handle.seek(446)
        handle.write(entry)
        handle.seek(510)
        handle.write(b"\x55\xaa")
    with tempfile.TemporaryDirectory() as scratch:
        picture = Path(scratch) / "SCAN0032.JPG"
        picture.write_bytes(encode(img32, "JPEG", quality=90))
        subprocess.run([mkfs, "--offset", str(start), str(disk), str(sectors // 2)], check=True, capture_output=True, env=env)
        target = f"{disk}@@{start * 512}"
        subprocess.run(["mmd", "-i", target, "::/Users"], check=True, capture_output=True, env=env)
        subprocess.run([mcopy, "-i", target, str(picture), "::/Users/SCAN0032.JPG"], check=True, capture_output=True, env=env)
    drive.expect("evidence/laptop.dd!/p1/Users/SCAN0032.JPG", s32, "partitioned-disk-jpeg")


def _ext_image(drive: Drive) -> None:
    """An ext4 file system image made from a folder (mke2fs -d; no mount), holding a listed copy."""
    mke2fs = shutil.which("mke2fs") or shutil.which("mkfs.ext4")
    drive.tools["mke2fs"] = bool(mke2fs)
    if not mke2fs:
        return
    s33, _, png33 = _list_scene(drive, 33)
    image = drive.root / "evidence" / "linux.img"
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home" / "dave"
        home.mkdir(parents=True)
        (home / "wallpaper.png").write_bytes(png33)
        (home / "todo.txt").write_bytes(b"call the garage\n")
        subprocess.run([mke2fs, "-q", "-t", "ext4", "-d", scratch, str(image), "8M"], check=True, capture_output=True,
                       env={**os.environ, "E2FSPROGS_FAKE_TIME": "1700000000"})
    drive.expect("evidence/linux.img!/p1/home/dave/wallpaper.png", s33, "ext4-image-copy")


def _noise(drive: Drive, fill: int) -> None:
    """Unlisted scenes, documents, a video, bad files and symlink loops; `fill` more loose pictures."""
    for i in range(8):
        image = drive.scenes(100 + i)
        fmt, extension = [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("BMP", "bmp")][i % 4]
        drive.put(f"Users/carol/Pictures/other_{i:02d}.{extension}", encode(image, fmt))
    drive.put("Users/carol/Pictures/other_heic.heic", encode(drive.scenes(110), "HEIF"))
    drive.put("Users/carol/notes.txt", b"shopping list: milk, bread\n")
    drive.put("Users/carol/empty.dat", b"")
    drive.put("Users/carol/broken.jpg", b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10)
    drive.put("Users/carol/random.bin", np.random.default_rng(drive.seed).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    loops = drive.root / "Users" / "carol" / "links"
    loops.mkdir(parents=True)
    os.symlink("..", loops / "up")  # a folder link back up the tree
    os.symlink("self.lnk", loops / "self.lnk")  # a link to itself
    drive.expect_kind("Users/carol/links/up", "symlink_loop")
    drive.expect_kind("Users/carol/links/self.lnk", "symlink_loop")
    drive.expect_kind("Users/carol/empty.dat", "zero_byte")
    drive.expect_kind("Users/carol/broken.jpg", "corrupt")
    _video(drive)
    bases = [drive.scenes(FILL_FIRST + i) for i in range(min(fill, FILL_BASES))]
    for i in range(fill):  # unlisted pictures: a few scenes, turned, mirrored and re-encoded into distinct files
        image = bases[i % len(bases)].transpose(FILL_TURNS[(i // len(bases)) % len(FILL_TURNS)])
        if i % 3:
            data = encode(image, "JPEG", quality=70 + (i // len(bases)) % 26)
            drive.put(f"fill/{i // 250:03d}/pic_{i:05d}.jpg", data)
        else:
            drive.put(f"fill/{i // 250:03d}/pic_{i:05d}.png", encode(image, "PNG"))


def _video(drive: Drive) -> None:
    """A two-second MP4 of unlisted scenes (ffmpeg), listed by its MD5 as whole files are."""
    ffmpeg = shutil.which("ffmpeg")
    drive.tools["ffmpeg"] = bool(ffmpeg)
    if not ffmpeg:
        return
    target = drive.root / "Users" / "carol" / "Videos" / "clip.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(4):
            drive.scenes(240 + i).save(Path(scratch) / f"f{i}.png")
        subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-framerate", "2", "-i", str(Path(scratch) / "f%d.png"),
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-bitexact", str(target)], check=True, capture_output=True)
    _list_file(drive, "Users/carol/Videos/clip.mp4", "F-video")
    _listed_video(drive, ffmpeg)


def _listed_video(drive: Drive, ffmpeg: str) -> None:
    """A listed four-second clip (its MD5 and vPDQ frames on the list): a copy in a ZIP, a re-encode in a TAR in a TAR.GZ."""
    import hashlib

    with tempfile.TemporaryDirectory() as scratch:
        for i in range(8):
            drive.scenes(250 + i // 2).save(Path(scratch) / f"f{i}.png")
        clip, copy = Path(scratch) / "listed.mp4", Path(scratch) / "reencoded.mkv"
        subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-framerate", "2", "-i", str(Path(scratch) / "f%d.png"),
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-threads", "1", "-bitexact", str(clip)],
                       check=True, capture_output=True)
        subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-i", str(clip), "-c:v", "libx264", "-crf", "34",
                        "-threads", "1", "-bitexact", str(copy)], check=True, capture_output=True)
        data, reencoded = clip.read_bytes(), copy.read_bytes()
    drive.listed.append({"hash_type": "md5", "hash": hashlib.md5(data).hexdigest(), "id": "V-clip", "category": "listed-video"})
    for frame_hash in reference_vpdq(data):  # the frame table (frame number and time default to the row's order)
        drive.listed.append({"hash_type": "vpdq", "hash": frame_hash, "id": "V-clip", "category": "listed-video"})
    drive.put("Users/carol/Videos/trip.zip", _zip([("trip/day1.mp4", data)]))
    drive.expect("Users/carol/Videos/trip.zip!/trip/day1.mp4", "V-clip", "zip-video-copy")
    drive.put("Users/dave/old_videos.tar.gz", _tar([("videos.tar", _tar([("day1_small.mkv", reencoded)]))], "w:gz"))
    drive.expect("Users/dave/old_videos.tar.gz!/videos.tar!/day1_small.mkv", "V-clip", "tar-video-reencode-vpdq")
