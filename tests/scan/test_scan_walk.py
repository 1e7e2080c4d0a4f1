"""Listing: folder walks with loops, dangling links and FIFOs; file lists."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from saferkit.core.errors import UserError
from saferkit.core import kinds
from saferkit.core.walk import read_file_list
from saferkit.serving.scan.walk import list_source


def test_walk_lists_every_file_once_and_names_each_problem(image_folder):
    folder = image_folder(6, bad=True)
    listed = list_source(folder, None)
    by_name = {Path(item.path).name: item for item in listed}
    images = sorted(p.name for p in folder.rglob("img*"))
    assert [name for name in sorted(by_name) if name.startswith("img")] == images
    assert by_name["loop"].walk_error == kinds.SYMLINK_LOOP
    assert by_name["self.png"].walk_error == kinds.SYMLINK_LOOP
    assert by_name["dangling.png"].walk_error == kinds.UNREADABLE
    assert by_name["pipe.png"].walk_error == kinds.NOT_REGULAR
    assert by_name["empty.png"].walk_error is None and by_name["empty.png"].size == 0
    assert [item.path for item in listed] == sorted(item.path for item in listed)
    # the loop was reported, not followed: no path runs through it
    assert not [item.path for item in listed if "/loop/" in item.path]


def test_two_links_to_one_folder_are_not_a_loop(tmp_path):
    target = tmp_path / "data"
    target.mkdir()
    (target / "a.png").write_bytes(b"x")
    (tmp_path / "scan").mkdir()
    os.symlink(target, tmp_path / "scan" / "one")
    os.symlink(target, tmp_path / "scan" / "two")
    listed = list_source(tmp_path / "scan", None)
    assert sorted(Path(item.path).relative_to(tmp_path / "scan").as_posix() for item in listed) == ["one/a.png", "two/a.png"]
    assert all(item.walk_error is None for item in listed)


def test_no_follow_symlinks_skips_links(image_folder):
    folder = image_folder(3, bad=True)
    names = {Path(item.path).name for item in list_source(folder, None, follow_symlinks=False)}
    assert not names & {"loop", "dangling.png", "self.png"}
    assert "empty.png" in names


def test_file_list_resolves_relative_paths_and_walks_folders(tmp_path, image_folder):
    folder = image_folder(4)
    (tmp_path / "lists").mkdir()
    first = sorted(folder.glob("img*"))[0]
    listing = tmp_path / "lists" / "paths.txt"
    listing.write_text(f"# exported by a forensic tool\n\n../media/{first.name}\n{folder / 'nested'}\n{tmp_path / 'gone.png'}\n",
                       encoding="utf-8")
    assert read_file_list(listing)[0] == str(first)
    listed = list_source(None, listing)
    names = {Path(item.path).name: item for item in listed}
    assert first.name in names
    assert {p.name for p in (folder / "nested").iterdir()} <= set(names)
    assert names["gone.png"].walk_error == kinds.UNREADABLE


@pytest.mark.parametrize("source, file_list, message", [
    ("missing", None, "does not exist"),
    (None, None, "either a folder"),
    (None, "missing.txt", "does not exist"),
])
def test_listing_mistakes_are_user_errors(tmp_path, source, file_list, message):
    with pytest.raises(UserError, match=message):
        list_source(tmp_path / source if source else None, tmp_path / file_list if file_list else None)


def test_a_file_is_scanned_as_itself_and_an_empty_folder_has_nothing(tmp_path):
    (tmp_path / "f.png").write_bytes(b"x")  # a disk image or an archive can be the source (issue 19)
    [listed] = list_source(tmp_path / "f.png", None)
    assert listed.path == str(tmp_path / "f.png") and listed.size == 1
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="nothing to scan"):
        list_source(tmp_path / "empty", None)
