"""`saferkit scan --allow-weak`: aHash/dHash/wHash list entries match only when asked for (issue 21)."""

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


@pytest.fixture
def weak_list(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Procedural noise pictures; a list holding only the dHash and aHash of the first one."""
    from saferkit.hashing import hash_file

    folder = tmp_path / "media"
    images = make_images(folder, 4)
    hashes = hash_file(images[1], ("dhash", "ahash"))
    hashlist = tmp_path / "weak.csv"
    hashlist.write_text("hash_type,hash,id,category\n"
                        f"dhash,{hashes['dhash']},W1,weak-only\nahash,{hashes['ahash']},W1,weak-only\n")
    return folder, images[1], hashlist


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
