"""`submission check`: every problem listed with the file or field it concerns."""

from __future__ import annotations

import json
import zipfile

import yaml

from saferkit.evaluation.check import check_submission


def _wheres(result):
    return [p.where for p in result.problems]


def test_a_valid_folder_and_its_zip_pass_with_the_same_digest(kit, make_submission, tmp_path):
    folder = make_submission()
    result = check_submission(folder)
    assert result.ok, result.problems
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in folder.iterdir():
            handle.write(path, f"sub/{path.name}")
    zipped = check_submission(archive)
    assert zipped.ok and zipped.info["sha256"] == result.info["sha256"]
    assert result.info["parameters"] == 8 and result.info["input_shape"] == ["batch", 3, 32, 32]


def test_every_schema_problem_is_listed_with_its_field(kit, tmp_path, edit_manifest):
    m = kit.manifest()
    m = edit_manifest(m, "input.height", 4)
    m = edit_manifest(m, "output.kind", "scores")
    del m["model_card"]["domain_gap"]
    folder = kit.write_submission(tmp_path / "s", kit.colour_model(kit.BLUE_WEIGHTS, [0, 0]), m)
    wheres = _wheres(check_submission(folder))
    assert "submission.yaml: input.height" in wheres
    assert "submission.yaml: output.kind" in wheres
    assert "submission.yaml: model_card" in wheres


def test_names_and_shapes_must_match_the_model(kit, make_submission, edit_manifest):
    m = kit.manifest()
    m = edit_manifest(m, "input.name", "pixels")
    m = edit_manifest(m, "output.labels", ["negative", "maybe", "positive"])
    folder = make_submission(**{"input": m["input"], "output": m["output"]})
    result = check_submission(folder)
    assert "submission.yaml: input.name" in _wheres(result)
    assert "submission.yaml: output.labels" in _wheres(result)


def test_non_standard_domain_external_data_and_fixed_batch_are_refused(kit, make_submission):
    for extra, expected in (("custom-domain", "non-standard operator domain"), ("external", "external file")):
        result = check_submission(make_submission(kit.colour_model(kit.BLUE_WEIGHTS, [0, 0], extra=extra), name=extra))
        assert not result.ok and any(expected in p.message for p in result.problems), result.problems
    fixed = check_submission(make_submission(kit.colour_model(kit.BLUE_WEIGHTS, [0, 0], fixed_batch=True), name="fixed"))
    assert any("dynamic batch" in p.message for p in fixed.problems)


def test_nan_output_and_undeclared_logits_fail_the_smoke_run(kit, make_submission):
    nan = check_submission(make_submission(kit.colour_model(kit.BLUE_WEIGHTS, [0, 0], extra="nan"), name="nan"))
    assert any("NaN" in p.message for p in nan.problems)
    raw = check_submission(make_submission(kit.colour_model(kit.BLUE_WEIGHTS, [5, 0], kind="logits"), name="raw"))
    assert any("probabilities" in p.message for p in raw.problems)
    declared = check_submission(make_submission(kit.colour_model(kit.BLUE_WEIGHTS, [5, 0], kind="logits"), name="declared", output={**kit.manifest()["output"], "kind": "logits"}))
    assert declared.ok, declared.problems


def test_zip_entries_that_leave_the_folder_and_code_files_are_listed(kit, make_submission, tmp_path):
    folder = make_submission()
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(folder / "model.onnx", "model.onnx")
        handle.write(folder / "submission.yaml", "submission.yaml")
        handle.writestr("../escape.md", "x")
        handle.writestr("hook.py", "print('never run')")
    result = check_submission(archive)
    wheres = _wheres(result)
    assert "../escape.md" in wheres and "hook.py" in wheres


def test_missing_files_garbage_and_too_many_files(kit, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert set(_wheres(check_submission(empty))) == {"model.onnx", "submission.yaml"}
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "model.onnx").write_bytes(b"not a model")
    (junk / "submission.yaml").write_text(": : :", encoding="utf-8")
    wheres = _wheres(check_submission(junk))
    assert "model.onnx" in wheres and "submission.yaml" in wheres
    many = kit.write_submission(tmp_path / "many", kit.colour_model(kit.BLUE_WEIGHTS, [0, 0]))
    for i in range(70):
        (many / f"note{i}.md").write_text("x", encoding="utf-8")
    assert any("at most" in p.message for p in check_submission(many).problems)
    assert not check_submission(tmp_path / "nowhere").ok
    assert not check_submission(tmp_path / "nowhere.txt").ok


def test_cli_check_lists_problems_and_exits_1(kit, make_submission, run_cli):
    folder = make_submission(kit.colour_model(kit.BLUE_WEIGHTS, [0, 0], extra="custom-domain"))
    done = run_cli("submission", "check", str(folder), "--json")
    assert done.returncode == 1
    payload = json.loads(done.stdout)
    assert payload["ok"] is False and payload["problems"][0]["where"] == "model.onnx"


def test_cli_schema_is_the_published_schema(kit, run_cli, tmp_path):
    done = run_cli("submission", "schema", "--out", str(tmp_path / "s.json"))
    assert done.returncode == 0
    schema = json.loads((tmp_path / "s.json").read_text())
    assert "operating_point" in schema["required"]
    yaml.safe_dump(schema)
