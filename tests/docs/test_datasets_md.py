"""Every command line of docs/datasets.md, run as written."""

from __future__ import annotations

import json
import shutil

import pytest
from docs_runner import DocRun, environment

pytestmark = pytest.mark.slow


def proxy_folder(target, source) -> None:
    """`my-proxy-images`: an ImageFolder with a benign-proxy provenance, as a team would bring (here: synthetic scenes)."""
    import csv

    rows = list(csv.DictReader(open(source / "manifest.csv", encoding="utf-8")))
    for flag, folder in (("1", "flagged"), ("0", "benign")):
        (target / folder).mkdir(parents=True)
        for row in [r for r in rows if r["flag"] == flag][:12]:
            shutil.copyfile(source / row["path"], target / folder / row["path"].rsplit("/", 1)[-1])
    (target / "provenance.json").write_text(json.dumps({
        "content": "benign-proxy", "source": "procedural scenes from saferkit data synth, standing in for a team's photos",
        "license": "CC0-1.0", "permitted_by": "the saferkit test suite",
        "attestation": {"no_sexual_or_abuse_material": True, "no_identifiable_children": True},
        "classes": {"positive": ["flagged"], "negative": ["benign"]}}), encoding="utf-8")


def test_every_datasets_md_command_runs_as_written(tmp_path):
    doc = DocRun("docs/datasets.md", tmp_path, environment(tmp_path))
    doc.run_until("saferkit data check my-proxy-images")
    proxy_folder(tmp_path / "my-proxy-images", tmp_path / "data" / "small")
    verified = doc.run("saferkit data check my-proxy-images --verify-images")
    assert "24" in verified.stdout
    checked = json.loads(doc.run("saferkit data check my-proxy-images --json").stdout)
    assert checked["ok"] is True and checked["total"] == 24 and checked["layout"], checked
    doc.finish()
    manifest = (tmp_path / "data" / "biased" / "manifest.csv").read_text()
    assert "test_conflicting" in manifest and len((tmp_path / "data" / "synth64" / "manifest.csv").read_text().splitlines()) == 6001
