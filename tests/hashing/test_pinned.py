"""Every perceptual hash pinned on synthetic pictures: speed-ups of the hashing code must not move one bit.

The values were written by the code before the PDQ reduction stopped making a
full-size float luma image and the imagehash algorithms started sharing one
greyscale copy (docs/hashing.md, "Speed"). The cases cover what takes
different paths: colour and grey JPEGs (decoded to luma), PNGs (RGB), large
JPEGs (reduced while decoding), odd sizes, palette, alpha, CMYK, 16-bit and WebP.
Each row: PDQ, PDQ quality, pHash, dHash, aHash, wHash (64-bit), then a short
SHA-256 of the eight PDQ dihedral variants and the 256-bit pHash/dHash/aHash/wHash.
"""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
import pytest
from PIL import Image

from saferkit.hashing import hash_bytes
from saferkit.hashing.procedural import procedural_image

PINNED = {
    "grey.jpeg": ("36b30c325c341c341c3834344c744e311b8d4ec7e3579ad7cad773d3d5e355e2", 100, "8aa3e3243575f4f0", "cfe99936bca0b35a", "e3ffff0000100000", "f7ffff021e181800",
                 "63b5ef0721fae21b"),
    "mode-CMYK": ("36b30c325c341c341c3834344c744e311b8d4ec7e3579ad7cad773d3d5e355e2", 100, "8aa3e3247565f4f0", "cfe99936bca0b35a", "e3ffff0000100000", "f7ffff021e181800",
                 "fbefd7307d85fe25"),
    "mode-I16": ("36b30c325c341c341c3834344c744e311b8d4ec7e3579ad7cad773d3d5e355e2", 100, "8aa3e3247565f4f0", "cfe99936bca0b35a", "e3ffff0000100000", "f7ffff021e181800",
                "fbefd7307d85fe25"),
    "mode-L": ("36b30c325c341c341c3834344c744e311b8d4ec7e3579ad7cad773d3d5e355e2", 100, "8aa3e3247565f4f0", "cfe99936bca0b35a", "e3ffff0000100000", "f7ffff021e181800",
              "fbefd7307d85fe25"),
    "mode-LA": ("36b30c325c341c341c3834344c744e311b8d4ec7e3579ad7cad773d3d5e355e2", 100, "8aa3e3247565f4f0", "cfe99936bca0b35a", "e3ffff0000100000", "f7ffff021e181800",
               "fbefd7307d85fe25"),
    "mode-P": ("36b30c305c341c341c3834344c744e391b8d4ec7e3579ad7cad773d3d5e355e2", 100, "8aa3e3247565f4f0", "cfe999363ca03318", "e3ffff0200100000", "f7ffff021e181800",
              "365accfb05eef7a5"),
    "mode-RGBA": ("36b30c325c341c341c3834344c744e311b8d4ec7e3579ad7cad773d3d5e355e2", 100, "8aa3e3247565f4f0", "cfe99936bca0b35a", "e3ffff0000100000", "f7ffff021e181800",
                 "fbefd7307d85fe25"),
    "s1-320x240.jpeg": ("93e46796a4590a580557afdb5ba4ae1458a31b697c9b4b67749b99742854ca2f", 100, "ebb895936c522c8b", "9669939313cac9d6", "fffff9c1e1202400", "fffff9c1e1202400",
                       "b2bdb8ff54bb5f0c"),
    "s1-320x240.png": ("93e46796a4590a580557afdb5ba4ae1458a31b697c9b4b67749b99742854ca2f", 100, "ebb895936c522c8b", "8669939313cac9d6", "fffff9c1e1202400", "fffff9c1e1202400",
                      "7b61b193e20faf4b"),
    "s2-768x576.jpeg": ("31e587197086c63371078c597396c63ebff0fce4094ddc6b10da78c50d697cc3", 96, "bc614bd1ad6b5813", "83c49926d6342d33", "e00000977fdf0c9b", "e00000b77fdf0f9b",
                       "b15a34cb34e61378"),
    "s2-768x576.png": ("31e586197086c63373078c597396c63ebff0fce4094ddc6b10da78c50d697cc3", 96, "bc614bd1ad6b5813", "83c49926d6342d33", "e00000977fdf0c9b", "e00000b77fdf0f9b",
                      "2222ccdbe0df08f2"),
    "s3-1500x1100.jpeg": ("a52a8926416f6ad54bcecdc09335d2d5d2d4d25185f9a529a5ada5359ae85ada", 100, "a5ad81d65a42cfc5", "e337979324acccc5", "39030301f0f67460", "79030301f0fffe70",
                         "0f7107ad85e83cb0"),
    "s3-1500x1100.png": ("a52a8926416f6ad54bcecdc09335d2d5d2d4d25185f9a529a5ada5359ae85ada", 100, "a5ad81d65a42cfc5", "e337979324acccc5", "39030301f0f67460", "79030301f0fffe70",
                        "6befc55e94802e5d"),
    "s4-2300x2100.jpeg": ("4424db0a255bdb1b3464db4a6a98d335e46bdb293b94576cac3b552c22d4dba9", 100, "a5ca151a6e9b94da", "29013643473c5a4e", "ffffffe1e1060f02", "ffffffe141000202",
                         "8fddfe2ddd9c9110"),
    "s4-2300x2100.png": ("4424db0a255bdb1b3464db4a6a98d335e46bdb293b94576cac3b552c22d4dba9", 100, "a5ca151a6e9b94da", "29013643473cda4e", "ffffffe1e1060f02", "ffffffe141000202",
                        "471a888b9ee21286"),
    "s5-97x301.jpeg": ("273ee5262d7cf951d91978191a351264d3e181ebe4c92db96dc0417e5b46bf05", 100, "fed0b13f81ccc868", "9a1c94e00f3c2c58", "ffcefcfc80808000", "fffffefc80808000",
                      "64695c34f3362b32"),
    "s5-97x301.png": ("273ee5262d7cf951d91978191a351264d3e181ebe4c92db96dc0417e5b46bf05", 100, "fed0b13f81ccc868", "9a1c14e00f3c2c58", "ffcefcfc80808000", "fffffefc80808000",
                     "d81e0df78c84c5b3"),
    "s6-64x64.jpeg": ("be52d72ba28787290ad63d295ef079ca74ab42d3818f16156f5ab5846e35127a", 100, "d22fc6902d54f8e5", "ac4b0b269a98d8c8", "0000c000cffcfcfc", "00a1c003cffcfefc",
                     "1a6d13dd4f9f8bc8"),
    "s6-64x64.png": ("fe52d72ba28787290ad63d295ef079ca34ab42d3818f16156f5ab5846e35127a", 100, "d22dd6902d54f8e5", "ac4b0b269a98d8c8", "0000c000cffcfcfc", "00a1c003cffcfefc",
                    "d4073b4429e99b84"),
    "webp": ("36b30c325c341c343c3834340c744e311b8d4ec7e3579ad7cad773d3d5e355e2", 100, "8aa3e3247565f4f0", "cfe999363ca03358", "e3ffff0000100000", "f7ffff021e181800",
            "82b9a3d3492f1f0b"),
}


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _cases() -> dict[str, bytes]:
    cases = {}
    for seed, size in [(1, (320, 240)), (2, (768, 576)), (3, (1500, 1100)), (4, (2300, 2100)), (5, (97, 301)), (6, (64, 64))]:
        image = procedural_image(seed, size)
        cases[f"s{seed}-{size[0]}x{size[1]}.jpeg"] = _encoded(image, "JPEG", quality=85)
        cases[f"s{seed}-{size[0]}x{size[1]}.png"] = _encoded(image, "PNG")
    base = procedural_image(7, (400, 300))
    for mode in ["L", "RGBA", "P", "LA", "CMYK"]:
        cases[f"mode-{mode}"] = _encoded(base.convert(mode), "TIFF" if mode == "CMYK" else "PNG")
    cases["mode-I16"] = _encoded(Image.fromarray(np.asarray(base.convert("L")).astype(np.uint16) * 257), "TIFF")
    cases["grey.jpeg"] = _encoded(base.convert("L"), "JPEG", quality=80)
    cases["webp"] = _encoded(base, "WEBP", quality=80)
    return cases


@pytest.fixture(scope="module")
def cases() -> dict[str, bytes]:
    return _cases()


@pytest.mark.parametrize("name", sorted(PINNED))
def test_every_hash_is_what_it_was(cases, name):
    found = hash_bytes(cases[name], "all", dihedral=True)
    wide = hash_bytes(cases[name], ["phash", "dhash", "ahash", "whash"], hash_size=16)
    extra = {"pdq_dihedral": found["pdq_dihedral"], **{f"{key}16": wide[key] for key in ("phash", "dhash", "ahash", "whash")}}
    digest = hashlib.sha256(json.dumps(extra, sort_keys=True).encode()).hexdigest()[:16]
    got = (found["pdq"], found["pdq_quality"], found["phash"], found["dhash"], found["ahash"], found["whash"], digest)
    assert got == PINNED[name]
