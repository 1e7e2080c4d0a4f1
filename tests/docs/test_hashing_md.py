"""Every command line of docs/hashing.md, run as written, top to bottom in one folder."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from docs_runner import DocRun, environment

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def seized_folder(tmp_path):
    """`./seized`, `photo.jpg` and `known.txt` (PDQ of two seized pictures): synthetic scenes, no people."""
    from PIL import Image

    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate
    from saferkit.hashing import hash_bytes

    generate(tmp_path / "scenes", make_config(n=12, seed=5, size=64), workers=1)
    pictures = sorted((tmp_path / "scenes" / "images").rglob("*.png"))
    seized = tmp_path / "seized"
    seized.mkdir()
    for picture in pictures[:8]:
        shutil.copyfile(picture, seized / picture.name)
    with Image.open(pictures[9]) as scene:
        scene.convert("RGB").save(tmp_path / "photo.jpg", quality=90)
    listed = [p for p in sorted(seized.iterdir()) if hash_bytes(p.read_bytes(), ["pdq"])["pdq_quality"] >= 50][:2]
    (tmp_path / "known.txt").write_text("".join(hash_bytes(p.read_bytes(), ["pdq"])["pdq"] + "\n" for p in listed))
    return listed


def test_every_hashing_md_command_runs_as_written(tmp_path):
    listed = seized_folder(tmp_path)
    doc = DocRun("docs/hashing.md", tmp_path, environment(tmp_path))
    doc.run("saferkit hash ./seized --algo pdq,phash,sha256 --out hashes.csv")
    assert len(list(csv.DictReader(open(tmp_path / "hashes.csv", encoding="utf-8")))) == 8
    assert doc.run("saferkit hash photo.jpg -a all").stdout.startswith("path,")
    doc.run_until("saferkit match ./seized --list known.csv")
    # the drive section: a picture in a zip in a zip is a row of its own, under its archive, and matched
    nested = "synth/drive/Users/alice/Downloads/photos.zip!/photos/nested.zip!/img_03.jpg"
    hashed = {row["path"]: row for row in csv.DictReader(open(tmp_path / "hashes.csv", encoding="utf-8"))}
    assert hashed[nested]["parent"] == nested.rsplit("!/", 1)[0] and hashed[nested]["pdq"]
    drive_matches = csv.DictReader(open(tmp_path / "matches.csv", encoding="utf-8"))
    assert "S021" in {row["id"] for row in drive_matches if row["path"] == nested}
    vics = json.loads((tmp_path / "known-vics.json").read_text())
    assert len(vics["value"]) == 2 and (tmp_path / "known-pdq.txt").is_file()
    doc.run("saferkit match ./seized --list known.csv --out matches.csv")
    found = {row["path"].rsplit("/", 1)[-1] for row in csv.DictReader(open(tmp_path / "matches.csv", encoding="utf-8"))}
    assert found == {p.name for p in listed}
    both = doc.run("saferkit match ./seized --list known-pdq.txt --list known-vics.json --dihedral")
    assert all(p.name in both.stdout for p in listed)
    doc.run_rest()  # the drive and the video sections
    doc.finish()
    assert len(list((tmp_path / "clips" / "videos").iterdir())) == 4
    lines = [json.loads(line) for line in (tmp_path / "matches.jsonl").read_text().splitlines()]
    assert len(lines) == 4 and any(line["matches"] for line in lines)
    for line in lines:  # each clip finds itself (unless too few of its frames reach quality 50), never another
        assert {m["id"] for m in line["matches"]} <= {line["path"]}
    table = (tmp_path / "video-bench" / "video_robustness.md").read_text()
    assert "| flip |" in table and "vpdq+borders+mirror" in table
