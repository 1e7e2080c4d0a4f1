"""Every command line of docs/hub.md, run as written, one folder per section (servers on free ports)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from docs_runner import DocRun, environment, free_port, run

from reader_files import lab_signed_scorecard, team_work

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hub_plugin"))

from test_docs_agency import self_signed  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
HEALTH = "/api/v1/health"


def test_every_hub_md_command_runs_as_written(tmp_path, toy_submission):
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate
    from saferkit.evaluation.private_report import verify_field_report

    env = {k: v for k, v in environment(tmp_path).items() if not k.startswith("SAFERKIT_HUB_")}
    doc = DocRun("docs/hub.md", tmp_path, env)

    # Quick start. The lab's key, the profile and the signed scorecard come from the vetting chain below.
    doc.cwd = tmp_path / "quick"
    team_work(toy_submission, doc.cwd)
    lab_signed_scorecard(doc.cwd, env, "eval", "ethics")
    port = free_port()
    doc.run_until("saferkit hub serve --db hub.db")
    assert (doc.cwd / "team-blue.key").read_text().startswith("pub_")
    with doc.serve("saferkit hub serve --db hub.db", port, HEALTH, documented=8700):
        doc.run_together("export SAFERKIT_HUB_API_KEY", "saferkit hub publish submission/", port=port, documented=8700)
        listed = doc.run("saferkit hub list", port=port, documented=8700)
        assert "toy-red" in listed.stdout

    # The vetting chain, in a folder catalogue, then on a server's database.
    doc.cwd = tmp_path / "chain"
    team_work(toy_submission, doc.cwd)
    doc.run_until("saferkit hub accredit evaluator lab.pub --name \"Lab A\" --expires 2030-12-31 --db hub.db")
    code = run("saferkit hub verify catalogue/toy-red/1.0.0 --public-key team.pub --registry registry.json", doc.cwd, env)
    assert code.returncode == 2 and "evaluator-revoked" in code.stderr  # the block's last line took effect
    doc.run_until("saferkit hub add-operator")

    # Accounts and TLS.
    doc.cwd = tmp_path / "tls"
    doc.cwd.mkdir()
    self_signed(doc.cwd / "hub-cert.pem", doc.cwd / "hub-cert-key.pem")
    assert doc.run("saferkit hub add-operator").stdout.strip().startswith("op_")
    with doc.serve("saferkit hub serve --db hub.db --port 8743", free_port(), HEALTH, documented=8743, tls=True):
        pass

    # Field evidence.
    doc.cwd = tmp_path / "field"
    doc.cwd.mkdir()
    shutil.move(str(toy_submission(folder_name="made-field")), doc.cwd / "submission")
    generate(doc.cwd / "our-data", make_config(n=200, seed=3, size=32), workers=1)
    doc.run_rest()
    doc.finish()
    statement = verify_field_report(json.loads((doc.cwd / "field-eval" / "field-report.json").read_text()))
    assert statement["data"]["content"] == "field" and not (doc.cwd / "field-eval" / "scores.csv").exists()
