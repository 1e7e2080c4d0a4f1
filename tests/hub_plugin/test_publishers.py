"""Publisher plugins: built-ins without metadata, a third party through entry points, idempotency."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from saferkit.core.errors import UserError
from saferkit.hub_plugin.publish import publish
from saferkit.hub_plugin.publishers import (BUILTIN_PUBLISHERS, ENTRY_POINT_GROUP, available_publishers,
                                            load_publisher_class, select_publisher)
from saferkit.hub_plugin.publishers.bundle import BundlePublisher
from saferkit.hub_plugin.publishers.http import HttpPublisher

ROOT = Path(__file__).resolve().parents[2]

THIRD_PARTY = textwrap.dedent('''
    """A publisher a third party ships in its own package: spools entries as JSON lines."""
    import json
    from pathlib import Path
    from urllib.parse import urlparse

    from saferkit.hub_plugin.publishers import Publisher, PublishResult


    class SpoolPublisher(Publisher):
        name = "spool"
        schemes = ("spool",)

        def publish(self, bundle):
            path = Path(urlparse(self.target).path)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"id": bundle.entry["id"], "content": bundle.content_sha256}) + "\\n")
            return PublishResult("published", bundle.entry["id"], bundle.entry["version"], str(path))
''')


@pytest.fixture
def third_party(tmp_path: Path, monkeypatch) -> Path:
    """Install a publisher the way a real package would: code plus a dist-info with entry_points.txt."""
    site = tmp_path / "site"
    (site / "spool_publisher").mkdir(parents=True)
    (site / "spool_publisher" / "__init__.py").write_text(THIRD_PARTY)
    dist_info = site / "spool_publisher-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: spool-publisher\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nspool = spool_publisher:SpoolPublisher\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    return site


def test_builtins_are_found_with_or_without_package_metadata():
    found = available_publishers()
    assert found["http"] == BUILTIN_PUBLISHERS["http"] and found["bundle"] == BUILTIN_PUBLISHERS["bundle"]
    assert load_publisher_class("http") is HttpPublisher and load_publisher_class("bundle") is BundlePublisher
    # when saferkit is pip-installed, its declared entry points must agree with the built-ins
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name in BUILTIN_PUBLISHERS:
            assert entry_point.value == BUILTIN_PUBLISHERS[entry_point.name]


@pytest.mark.parametrize(("target", "expected"), [
    ("http://127.0.0.1:8700", HttpPublisher), ("https://hub.example.org", HttpPublisher),
    ("/srv/transfer", BundlePublisher), ("file:///srv/transfer", BundlePublisher), ("relative/dir", BundlePublisher),
])
def test_publisher_is_chosen_by_target(target, expected):
    assert select_publisher(target) is expected


def test_unknown_publisher_or_scheme_is_a_clear_error():
    with pytest.raises(UserError, match="no hub publisher named 'ftp'; installed: bundle, http"):
        select_publisher("x", "ftp")
    with pytest.raises(UserError, match="no hub publisher handles 'ftp://x'"):
        select_publisher("ftp://x")


def test_third_party_publisher_is_discovered_and_used(third_party, evaluated, keypair, tmp_path: Path):
    assert available_publishers()["spool"] == "spool_publisher:SpoolPublisher"
    submission_dir, report, scorecard = evaluated()
    spool = tmp_path / "spool" / "entries.jsonl"
    result = publish(submission_dir, report, scorecard, f"spool://{spool}", key=keypair[0])
    assert result.status == "published" and result.location == str(spool)
    line = json.loads(spool.read_text())
    assert line["id"] == "toy-red" and len(line["content"]) == 64


def test_third_party_publisher_from_the_cli(third_party, evaluated, keypair, tmp_path: Path):
    submission_dir, report, scorecard = evaluated()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT.parent), str(third_party)])}
    result = subprocess.run([sys.executable, "-m", "saferkit", "hub", "publish", str(submission_dir), "--report",
                             str(report), "--scorecard", str(scorecard), "--hub", "anything", "--publisher", "spool",
                             "--key", str(keypair[0])], capture_output=True, text=True, env=env, timeout=120,
                            cwd=tmp_path)
    # --publisher wins over the target's scheme (a bare name would otherwise go to the bundle publisher)
    assert result.returncode == 0, result.stderr
    assert "toy-red 1.0.0: published" in result.stdout
    assert json.loads((tmp_path / "anything").read_text())["id"] == "toy-red"
    assert not (tmp_path / "toy-red").exists()


def test_bundle_publisher_is_idempotent_and_refuses_changed_content(evaluated, keypair, tmp_path: Path):
    submission_dir, report, scorecard = evaluated()
    target = tmp_path / "out"
    first = publish(submission_dir, report, scorecard, str(target), key=keypair[0])
    second = publish(submission_dir, report, scorecard, str(target), key=keypair[0])
    assert (first.status, second.status) == ("published", "unchanged")
    listing = tmp_path / "listing.yaml"
    listing.write_text("summary: A different summary changes the entry.\n")
    with pytest.raises(UserError, match="different content; raise the version number") as caught:
        publish(submission_dir, report, scorecard, str(target), key=keypair[0], listing=listing)
    assert caught.value.exit_code == 4
    assert json.loads((target / "toy-red" / "1.0.0" / "entry.json").read_text())["summary"]["en"].startswith("Toy model")
    assert [p.name for p in target.joinpath("toy-red").iterdir()] == ["1.0.0"]  # no staging leftovers
