"""`saferkit data synth` and `data check` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "saferkit", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def _in_process(capsys: pytest.CaptureFixture, *args: str) -> subprocess.CompletedProcess:
    """The real CLI entry point in this process (fast), shaped like a subprocess result."""
    from saferkit.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, captured.out, captured.err)


def _assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2
    message = result.stderr.strip()
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error:")
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize("extra, needles", [
    (["--spurious", "colour=b:0.9"], ["unknown attribute", "colour", "palette"]),
    (["--spurious", "palette=z:0.9"], ["unknown value", "'z'", "a, b, c"]),
    (["--spurious", "palette=b:1.5"], ["outside [0, 1]"]),
    (["--spurious", "palette=b:-0.1"], ["outside [0, 1]"]),
    (["--spurious", "palette=b"], ["ATTR=VALUE:RHO"]),
    (["--n", "0"], ["--n is 0"]),
    (["--n", "-5"], ["--n is -5"]),
    (["--splits", "train=0.7,valid=0.3"], ["unknown split name", "valid"]),
    (["--splits", "train=0.5,test=0.2"], ["sum to 0.7"]),
    (["--format", "gif"], ["png or jpeg"]),
])
def test_bad_synth_arguments_fail_with_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, extra: list[str], needles: list[str]
) -> None:
    out = tmp_path / "out"
    result = _in_process(capsys, "data", "synth", str(out), "--n", "10", *extra)
    _assert_one_line_error(result, *needles)
    assert list(tmp_path.iterdir()) == []


def test_non_empty_out_without_overwrite_is_refused_and_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = _run("data", "synth", str(out), "--n", "10")
    _assert_one_line_error(result, "not empty", "--overwrite")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_unwritable_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    result = _in_process(capsys, "data", "synth", str(blocker / "out"), "--n", "10")
    _assert_one_line_error(result, "cannot write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = _run("--debug", "data", "synth", str(tmp_path / "o"), "--n", "0")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_synth_then_check_reports_counts_per_split_and_class(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "set"
    made = _run("data", "synth", str(out), "--n", "40", "--size", "24", "--seed", "3", "--spurious", "scale=small:0.8")
    assert made.returncode == 0, made.stderr
    assert "wrote 56 images" in made.stdout  # 40 + two test variants of 8
    checked = _run("data", "check", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "valid" in checked.stdout and "provenance: ok" in checked.stdout
    assert "test_conflicting" in checked.stdout and "star" in checked.stdout
    as_json = json.loads(_in_process(capsys, "data", "check", str(out), "--json").stdout)
    manifest = [line.split(",") for line in (out / "manifest.csv").read_text().splitlines()[1:]]
    expected: dict[tuple[str, str], int] = {}
    for fields in manifest:
        expected[(fields[1], fields[3])] = expected.get((fields[1], fields[3]), 0) + 1
    assert {(c["split"], c["class"]): c["images"] for c in as_json["counts"]} == expected
    assert as_json["ok"] is True and as_json["total"] == 56


def test_check_names_missing_provenance_fields_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "proxy"
    (folder / "positive").mkdir(parents=True)
    (folder / "negative").mkdir()
    from PIL import Image

    Image.new("RGB", (8, 8), (10, 200, 10)).save(folder / "positive" / "a.png")
    Image.new("RGB", (8, 8), (200, 10, 10)).save(folder / "negative" / "b.png")
    (folder / "provenance.json").write_text(json.dumps({"content": "benign-proxy", "source": "my drawings"}))
    result = _in_process(capsys, "data", "check", str(folder))
    assert result.returncode != 0
    for field in ("license", "permitted_by", "attestation"):
        assert f"missing field '{field}'" in result.stdout
    assert "NOT usable" in result.stdout
    assert "positive" in result.stdout and "none" in result.stdout  # counts still shown (negatives: category none)


def test_check_of_a_folder_without_provenance_fails(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "positive").mkdir()
    result = _in_process(capsys, "data", "check", str(tmp_path))
    assert result.returncode != 0
    assert "no provenance.json" in result.stdout
