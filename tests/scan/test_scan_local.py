"""The local engine end to end: hashes, matches, scores, every bad input, worker deaths, manifest."""

from __future__ import annotations

import pytest
from PIL import Image
from scan_helpers import add_bad_inputs, make_images, rows_by_name, scan, write_hashlist
from toy_submissions import write_toy_submission

from saferkit.core.errors import UserError
from saferkit.core.digest import file_sha256
from saferkit.evaluation.runner import OnnxTriageModel
from saferkit.evaluation.submission import load_submission
from saferkit.hashing import hash_bytes
from saferkit.core import kinds
from saferkit.serving.scan import store

BAD_KINDS = {
    "empty.png": kinds.ZERO_BYTE,
    "broken.jpg": kinds.CORRUPT,
    "bomb.png": kinds.TOO_LARGE,
    "dangling.png": kinds.UNREADABLE,
    "loop": kinds.SYMLINK_LOOP,
    "self.png": kinds.SYMLINK_LOOP,
    "pipe.png": kinds.NOT_REGULAR,
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """One scan shared by the tests that only read its result."""
    tmp_path = tmp_path_factory.mktemp("scanned")
    folder = tmp_path / "media"
    make_images(folder, 10)
    add_bad_inputs(folder)
    images = sorted(folder.rglob("img*"))
    hashlist = write_hashlist(tmp_path / "known.csv", [images[0]], [images[1]])
    submission = write_toy_submission(tmp_path / "submission")
    out = tmp_path / "result"
    summary = scan(out, folder, models=[submission], hashlists=[hashlist], workers=2, shard_size=5, batch_size=2)
    return {"folder": folder, "images": images, "hashlist": hashlist, "submission": submission, "out": out, "summary": summary}


def test_every_file_gets_one_row_with_hashes_matches_and_scores(scanned):
    rows = rows_by_name(scanned["out"])
    assert set(rows) == {p.name for p in scanned["images"]} | set(BAD_KINDS) | {"notes.txt"}
    indexes = sorted(row["index"] for row in rows.values())
    assert indexes == list(range(len(rows)))
    md5_hit, pdq_hit = rows[scanned["images"][0].name], rows[scanned["images"][1].name]
    assert md5_hit["status"] == store.STATUS_MATCHED and md5_hit["scores"] == []
    assert [(m["list"], m["id"], m["hash_type"], m["distance"], m["category"]) for m in md5_hit["matches"]] == [
        ("known.csv", "M0", "md5", 0, "cat-md5")]
    assert pdq_hit["status"] == store.STATUS_MATCHED
    assert ("P0", "pdq", 0) in [(m["id"], m["hash_type"], m["distance"]) for m in pdq_hit["matches"]]
    model = OnnxTriageModel(load_submission(scanned["submission"]), threads=1)
    for path in scanned["images"][2:]:
        row = rows[path.name]
        assert row["status"] == store.STATUS_SCORED and row["error"] is None
        expected = hash_bytes(path.read_bytes(), ["sha256", "pdq"])
        assert (row["sha256"], row["pdq"]) == (expected["sha256"], expected["pdq"])
        assert row["phash"] is None and row["dhash"] is None  # the list carries MD5 and PDQ only: nothing else to match
        assert row["pdq_quality"] == expected["pdq_quality"]
        assert row["size"] == path.stat().st_size
        with Image.open(path) as image:
            want = float(model.positive_scores(model.run(model.preprocess([image])))[0])
        [score] = row["scores"]
        assert score["model"] == "toy-red@1.0.0"
        assert score["score"] == pytest.approx(want, abs=1e-6)
        assert score["flagged"] == (want >= 0.5)


def test_each_bad_input_is_one_row_with_its_kind_and_the_scan_goes_on(scanned):
    rows = rows_by_name(scanned["out"])
    for name, kind in BAD_KINDS.items():
        assert rows[name]["status"] == store.STATUS_ERROR, name
        assert rows[name]["error"] == kind, name
    # a corrupt file still gets its digests, so a cryptographic list can match it
    broken = scanned["folder"] / "bad" / "broken.jpg"
    assert rows["broken.jpg"]["md5"] == hash_bytes(broken.read_bytes(), ["md5"])["md5"]
    # a file that is not an image is inventoried like any other: its digests, matched against the lists
    notes = scanned["folder"] / "bad" / "notes.txt"
    assert rows["notes.txt"]["status"] == store.STATUS_HASHED and rows["notes.txt"]["error"] is None
    assert rows["notes.txt"]["sha1"] == hash_bytes(notes.read_bytes(), ["sha1"])["sha1"]
    expected = {kind: list(BAD_KINDS.values()).count(kind) for kind in kinds.ALL_KINDS}
    assert scanned["summary"]["skipped"] == {kinds.NOT_IMAGE: expected.pop(kinds.NOT_IMAGE)}
    assert scanned["summary"]["errors"] == expected
    assert scanned["summary"]["errors_total"] == sum(expected.values())
    assert scanned["summary"]["complete"] and scanned["summary"]["hash_hits"] == 2
    assert scanned["summary"]["hits_by_list"] == {"known.csv": {"cat-md5": 1, "cat-pdq": 1}}
    assert scanned["summary"]["models"]["toy-red@1.0.0"]["scored"] == len(scanned["images"]) - 2


def test_manifest_pins_models_lists_and_versions(scanned):
    manifest = store.read_json(scanned["out"] / store.MANIFEST_NAME)
    [model] = manifest["settings"]["models"]
    assert model["sha256"] == load_submission(scanned["submission"]).sha256
    assert manifest["settings"]["hashlists"][0]["sha256"] == file_sha256(scanned["hashlist"])
    for package in ("saferkit", "onnxruntime", "pdqhash", "pyarrow", "python"):
        assert manifest["software"][package]
    [run] = manifest["runs"]
    assert run["engine"] == "local" and run["workers"] == 2 and run["status"] == "complete"
    assert run["threads_per_worker"] >= 1


def test_files_over_the_byte_limit_get_digests_but_are_not_decoded(tmp_path, image_folder):
    folder = image_folder(4)
    sizes = sorted(p.stat().st_size for p in folder.rglob("img*"))
    limit = sizes[1]
    scan(tmp_path / "out", folder, workers=0, max_bytes=limit)
    rows = rows_by_name(tmp_path / "out")
    for path in folder.rglob("img*"):
        too_large = path.stat().st_size > limit
        assert (rows[path.name]["error"] == kinds.TOO_LARGE) == too_large
        assert rows[path.name]["sha256"] == file_sha256(path)  # streamed, in bounded memory
        assert (rows[path.name]["pdq"] is None) == too_large


def test_a_worker_that_dies_twice_loses_only_its_batch(tmp_path, image_folder, monkeypatch):
    folder = image_folder(8)
    images = sorted(folder.rglob("img*"))
    victim = images[3]
    monkeypatch.setenv("SAFERKIT_SCAN_FAULTS", f"die:{victim.name}")
    summary = scan(tmp_path / "out", folder, workers=2, shard_size=4, batch_size=2)
    rows = store.read_rows(tmp_path / "out").to_pylist()
    victim_row = next(r for r in rows if r["path"] == str(victim))
    batch_mates = {r["path"] for r in rows if r["index"] // 2 == victim_row["index"] // 2}
    for row in rows:
        if row["path"] in batch_mates:
            assert row["error"] == kinds.WORKER_DIED
            assert "retried once" in row["error_detail"]
        else:
            assert row["status"] == store.STATUS_HASHED and row["sha256"]
    assert summary["errors"][kinds.WORKER_DIED] == len(batch_mates) == 2
    assert summary["complete"]


def test_a_worker_that_dies_once_is_retried_and_nothing_is_lost(tmp_path, image_folder, monkeypatch):
    folder = image_folder(6)
    victim = sorted(folder.rglob("img*"))[2]
    monkeypatch.setenv("SAFERKIT_SCAN_FAULTS", f"dieonce:{victim.name}")
    monkeypatch.setenv("SAFERKIT_SCAN_FAULT_DIR", str(tmp_path))
    summary = scan(tmp_path / "out", folder, workers=2, shard_size=3, batch_size=3)
    assert (tmp_path / f"died-once-{victim.name}").exists()  # it really died
    assert summary["errors_total"] == 0 and summary["images_hashed"] == 6


def test_out_folder_mistakes_are_clear(tmp_path, image_folder, toy_submission):
    folder = image_folder(3)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("x")
    with pytest.raises(UserError, match="holds no scan"):
        scan(tmp_path / "busy", folder, workers=0)
    scan(tmp_path / "out", folder, workers=0)
    with pytest.raises(UserError, match="different models"):
        scan(tmp_path / "out", folder, workers=0, models=[toy_submission()])
    with pytest.raises(UserError, match="hash list .* does not exist"):
        scan(tmp_path / "out2", folder, workers=0, hashlists=[tmp_path / "nope.csv"])
    summary = scan(tmp_path / "out", folder, workers=0, models=[toy_submission()], overwrite=True)
    assert summary["models"]["toy-red@1.0.0"]["scored"] == 3


def test_a_file_list_scans_exactly_the_listed_files(tmp_path, image_folder):
    from saferkit.serving.scan.runner import ScanOptions, run_scan

    folder = image_folder(6)
    chosen = sorted(folder.rglob("img*"))[:3]
    listing = tmp_path / "paths.txt"
    listing.write_text("\n".join(str(p) for p in chosen) + "\n" + str(tmp_path / "vanished.png") + "\n", encoding="utf-8")
    summary = run_scan(ScanOptions(out=tmp_path / "out", file_list=listing, workers=0, progress=False))
    rows = rows_by_name(tmp_path / "out")
    assert set(rows) == {p.name for p in chosen} | {"vanished.png"}
    assert rows["vanished.png"]["error"] == kinds.UNREADABLE
    assert summary["images_hashed"] == 3
    assert store.read_json(tmp_path / "out" / store.MANIFEST_NAME)["settings"]["file_list"] == str(listing.resolve())
