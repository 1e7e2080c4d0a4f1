"""Every command line of docs/datasets.md, run as written."""

from __future__ import annotations

import json

import pytest
from docs_runner import DocRun, environment
from reader_files import proxy_folder

pytestmark = pytest.mark.slow


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
