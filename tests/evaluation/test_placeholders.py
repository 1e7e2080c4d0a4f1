"""`submission check` warns (never refuses) on template text, example contacts and a README about another training path."""

from __future__ import annotations

import zipfile

from saferkit.evaluation.check import check_submission


def _warned(result):
    return {(w.where, w.message.split(";")[0]) for w in result.warnings}


def test_template_text_and_example_contacts_are_warned_with_their_field(make_submission, edit_manifest, kit):
    manifest = kit.manifest()
    manifest = edit_manifest(manifest, "model_card.limitations", "TODO: where your model is weak.")
    manifest = edit_manifest(manifest, "team.contact", "team@example.org")
    folder = kit.write_submission(make_submission().parent / "todo", kit.colour_model(kit.BLUE_WEIGHTS, [0, 0]), manifest)
    result = check_submission(folder)
    assert result.ok, result.problems  # warnings never block
    wheres = [w.where for w in result.warnings]
    assert "submission.yaml: model_card.limitations" in wheres
    assert "submission.yaml: team.contact" in wheres
    assert any("'TODO'" in w.message for w in result.warnings)
    assert any("example.org" in w.message for w in result.warnings)


def test_a_finished_card_gets_no_such_warning(make_submission, kit):
    manifest = kit.manifest()
    manifest["team"]["contact"] = "triage-team@agency-lab.eu"
    folder = kit.write_submission(make_submission().parent / "done", kit.colour_model(kit.BLUE_WEIGHTS, [0, 0]), manifest)
    (folder / "README.md").write_text("# done\n\nTrained with `python train.py train data --out runs/first`.\n", encoding="utf-8")
    assert [w for w in check_submission(folder).warnings if w.where.startswith(("submission.yaml", "README"))] == []


def test_a_readme_describing_the_baseline_path_in_a_team_submission_is_warned_also_in_a_zip(make_submission, tmp_path, run_cli):
    folder = make_submission()
    (folder / "README.md").write_text("# team tool\n\nresnet10_slim trained by `saferkit baseline train` (best epoch 9).\n", encoding="utf-8")
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in folder.iterdir():
            handle.write(path, f"sub/{path.name}")
    for source in (folder, archive):
        warnings = [w for w in check_submission(source).warnings if w.where == "README.md"]
        assert len(warnings) == 1 and "python train.py train" in warnings[0].message
    shown = run_cli("submission", "check", str(archive))
    assert shown.returncode == 0 and "warning README.md: says the model was trained by" in shown.stdout
