"""The Ray engine: same rows as the local engine on the same folder; clear errors for a bad cluster.

Ray start-up is slow, so there is one scan with Ray (two actors), covering
every bad input and a worker that dies on every attempt.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from scan_helpers import scan

from saferkit.core.errors import UserError
from saferkit.core import kinds
from saferkit.serving.scan import store


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ray_and_local_engines_write_the_same_rows(tmp_path, image_folder, hashlist_for, toy_submission, monkeypatch):
    pytest.importorskip("ray.data")
    folder = image_folder(12, bad=True)
    images = sorted(folder.rglob("img*"))
    hashlist = hashlist_for([images[0]], [images[5]])
    submission = toy_submission()
    monkeypatch.setenv("SAFERKIT_SCAN_FAULTS", f"die:{images[8].name}")
    from saferkit.serving.scan import ray_engine

    # blocks of three 3-file batches: the block holding the dying file is lost twice, then its
    # batches run alone, and only the dying file's batch is lost
    monkeypatch.setattr(ray_engine, "FILES_PER_BLOCK", 9)
    monkeypatch.setattr(ray_engine, "BLOCKS_PER_ACTOR", 1)
    options = dict(models=[submission], hashlists=[hashlist], workers=2, shard_size=6, batch_size=3)
    local = scan(tmp_path / "local", folder, engine="local", **options)
    ray = scan(tmp_path / "ray", folder, engine="ray", **options)
    local_rows, ray_rows = store.read_rows(tmp_path / "local"), store.read_rows(tmp_path / "ray")
    assert local_rows.num_rows == ray_rows.num_rows == local["files_planned"]
    for left, right in zip(local_rows.to_pylist(), ray_rows.to_pylist()):
        assert left == right
    assert local_rows.equals(ray_rows)
    assert local["errors"] == ray["errors"]
    assert ray["errors"][kinds.WORKER_DIED] == 3  # the dying file's batch, after one retry
    assert ray["hash_hits"] == 2 and ray["complete"]
    [run] = store.read_json(tmp_path / "ray" / store.MANIFEST_NAME)["runs"]
    assert run["engine"] == "ray" and run["ray_address"] == "local"


def test_unreachable_cluster_is_a_clear_error(tmp_path, image_folder):
    folder = image_folder(2)
    address = f"127.0.0.1:{_closed_port()}"
    with pytest.raises(UserError, match=f"cannot reach the Ray cluster at {address}"):
        scan(tmp_path / "out", folder, engine="ray", ray_address=address)
    assert not (tmp_path / "out").exists()  # refused before anything was listed or written
    with pytest.raises(UserError, match="not HOST:PORT"):
        scan(tmp_path / "out2", folder, engine="ray", ray_address="127.0.0.1:notaport")


def test_ray_address_from_the_environment_is_used_by_the_cli(tmp_path, image_folder):
    folder = image_folder(2)
    address = f"127.0.0.1:{_closed_port()}"
    result = subprocess.run(
        [sys.executable, "-m", "saferkit", "scan", str(folder), "--out", str(tmp_path / "out"), "--engine", "ray"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "RAY_ADDRESS": address},
    )
    assert result.returncode == 2
    assert f"cannot reach the Ray cluster at {address}" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
