"""The one submission reader: its safety rules hold for `load_submission` as well as for the check."""

from __future__ import annotations

import stat
import zipfile

import pytest

from saferkit.evaluation.check import check_submission
from saferkit.evaluation.submission import SubmissionError, load_submission, read_submission


def _zip_with(folder, archive, extra):
    with zipfile.ZipFile(archive, "w") as handle:
        for name in ("model.onnx", "submission.yaml"):
            handle.write(folder / name, name)
        extra(handle)
    return archive


def test_a_symlinked_zip_entry_is_refused_by_the_loader_and_the_check(toy_submission, tmp_path):
    def link(handle):
        info = zipfile.ZipInfo("notes.md")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        handle.writestr(info, "/etc/passwd")

    archive = _zip_with(toy_submission(), tmp_path / "link.zip", link)
    with pytest.raises(SubmissionError, match="symbolic link"):
        load_submission(archive)
    assert "notes.md" in [p.where for p in check_submission(archive).problems]


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(toy_submission, tmp_path):
    def bomb(handle):
        handle.writestr(zipfile.ZipInfo("padding.txt"), b"\0" * (64 * 1024 * 1024), compress_type=zipfile.ZIP_DEFLATED)

    archive = _zip_with(toy_submission(), tmp_path / "bomb.zip", bomb)
    reading = read_submission(archive)
    assert reading.files == {} and any("zip bomb" in p.message for p in reading.problems)
    with pytest.raises(SubmissionError, match="zip bomb"):
        load_submission(archive)


def test_a_symlink_in_a_folder_is_refused_and_every_problem_is_listed(toy_submission, tmp_path):
    folder = toy_submission()
    (tmp_path / "elsewhere.md").write_text("x", encoding="utf-8")
    (folder / "notes.md").symlink_to(tmp_path / "elsewhere.md")
    (folder / "submission.yaml").write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(SubmissionError) as caught:
        load_submission(folder)
    assert len(caught.value.problems) == 2
    assert {p.split(":")[0] for p in caught.value.problems} == {"notes.md", "submission.yaml"}


def test_code_files_are_refused_only_by_the_strict_check(toy_submission):
    folder = toy_submission()
    (folder / "hook.py").write_text("print('never run')", encoding="utf-8")
    assert load_submission(folder).file_names == ("hook.py", "model.onnx", "submission.yaml")
    assert [p.where for p in read_submission(folder, strict=True).problems] == ["hook.py"]
