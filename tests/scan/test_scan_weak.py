"""Which hashes a scan computes and matches: digests and PDQ always, another perceptual hash when a list
carries it, and aHash/dHash/wHash list entries only with `--allow-weak` (issue 21)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scan_helpers import make_images, rows_by_name

from saferkit.serving.scan import store


def _run(argv: list[str]) -> int:
    from saferkit.cli import main

    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _pictures_and_list(tmp_path: Path, entries: dict[str, tuple[str, str]]) -> tuple[Path, Path, Path]:
    """Procedural noise pictures, and a list holding one of them by each hash type of `entries` (type: id, category)."""
    from saferkit.hashing import hash_file

    folder = tmp_path / "media"
    images = make_images(folder, 4)
    hashes = hash_file(images[1], tuple(entries))
    hashlist = tmp_path / "listed.csv"
    hashlist.write_text("hash_type,hash,id,category\n"
                        + "".join(f"{name},{hashes[name]},{id_},{category}\n" for name, (id_, category) in entries.items()))
    return folder, images[1], hashlist


@pytest.fixture
def weak_list(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Procedural noise pictures; a list holding only the dHash and aHash of the first one."""
    return _pictures_and_list(tmp_path, {"dhash": ("W1", "weak-only"), "ahash": ("W1", "weak-only")})


def test_weak_entries_match_only_with_allow_weak(weak_list, tmp_path):
    folder, listed, hashlist = weak_list
    base = ["scan", "run", str(folder), "--hashlist", str(hashlist), "--algos", "md5,pdq,dhash,ahash",
            "--workers", "0", "--no-progress"]
    assert _run([*base, "--out", str(tmp_path / "strict")]) == 0
    assert rows_by_name(tmp_path / "strict")[listed.name]["matches"] == []
    assert _run([*base, "--out", str(tmp_path / "weak"), "--allow-weak"]) == 0
    rows = rows_by_name(tmp_path / "weak")
    assert {(m["id"], m["hash_type"], m["distance"]) for m in rows[listed.name]["matches"]} == {("W1", "dhash", 0), ("W1", "ahash", 0)}
    assert rows[listed.name]["status"] == store.STATUS_MATCHED
    assert store.read_json(tmp_path / "weak" / store.MANIFEST_NAME)["settings"]["allow_weak"] is True
    assert _run(["scan", "report", str(tmp_path / "weak"), "--out", str(tmp_path / "weak.html")]) == 0
    assert "W1" in (tmp_path / "weak.html").read_text(encoding="utf-8")  # the report shows the hit it was asked for


def test_resuming_with_a_different_allow_weak_is_refused(weak_list, tmp_path, capsys):
    folder, _, hashlist = weak_list
    base = ["scan", "run", str(folder), "--hashlist", str(hashlist), "--out", str(tmp_path / "out"), "--workers", "0", "--no-progress"]
    assert _run(base) == 0
    assert _run([*base, "--allow-weak"]) != 0
    assert "allow_weak" in capsys.readouterr().err


def test_a_scan_computes_the_perceptual_hashes_its_lists_carry(tmp_path):
    from saferkit.hashing import hash_file

    folder, picture, hashlist = _pictures_and_list(tmp_path, {"phash": ("H1", "listed"), "dhash": ("D1", "weak")})
    listed = hash_file(picture, ("phash",))
    plain = ["scan", "run", str(folder), "--workers", "0", "--no-progress"]
    assert _run([*plain, "--out", str(tmp_path / "none")]) == 0
    settings = store.read_json(tmp_path / "none" / store.MANIFEST_NAME)["settings"]
    assert settings["algos"] == ["md5", "sha1", "sha256", "pdq"]
    assert all(row["phash"] is None and row["pdq"] for row in rows_by_name(tmp_path / "none").values())

    assert _run([*plain, "--hashlist", str(hashlist), "--out", str(tmp_path / "listed")]) == 0
    assert store.read_json(tmp_path / "listed" / store.MANIFEST_NAME)["settings"]["algos"] == ["md5", "sha1", "sha256", "pdq", "phash"]
    row = rows_by_name(tmp_path / "listed")[picture.name]
    assert row["phash"] == listed["phash"] and row["dhash"] is None
    assert [(m["id"], m["hash_type"], m["distance"]) for m in row["matches"]] == [("H1", "phash", 0)]

    assert _run([*plain, "--hashlist", str(hashlist), "--allow-weak", "--out", str(tmp_path / "weak")]) == 0
    assert store.read_json(tmp_path / "weak" / store.MANIFEST_NAME)["settings"]["algos"][-2:] == ["phash", "dhash"]
    assert {m["id"] for m in rows_by_name(tmp_path / "weak")[picture.name]["matches"]} == {"H1", "D1"}

    assert _run([*plain, "--algos", "md5,phash", "--out", str(tmp_path / "chosen")]) == 0
    chosen = rows_by_name(tmp_path / "chosen")[picture.name]
    assert chosen["phash"] and chosen["pdq"] is None and chosen["sha1"]  # --algos decides; every file keeps its digests


def test_workers_take_the_lists_the_scan_loaded_and_nothing_is_kept_after(tmp_path):
    from dataclasses import replace

    from saferkit.hashing import HashMatcher
    from saferkit.serving.scan import worker
    from saferkit.serving.scan.worker import ScanWorker, WorkerConfig, share_lists

    folder, _, hashlist = _pictures_and_list(tmp_path, {"phash": ("H1", "listed")})
    config = WorkerConfig(hashlists=(str(hashlist.resolve()),))
    loaded = HashMatcher(list(config.hashlists))
    share_lists(config, loaded)
    try:
        assert ScanWorker(config).matcher is loaded  # made here or forked from here: no second read of the lists
        assert ScanWorker(replace(config, allow_weak=True)).matcher is not loaded  # other settings load their own
    finally:
        share_lists(config, None)
    assert ScanWorker(config).matcher is not loaded
    assert _run(["scan", "run", str(folder), "--hashlist", str(hashlist), "--out", str(tmp_path / "out"),
                 "--workers", "0", "--no-progress"]) == 0
    assert worker._shared_lists == {}  # a finished scan keeps no lists
