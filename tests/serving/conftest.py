"""Fixtures for the serving tests (helpers live in serving_support.py, importable by name)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from serving_support import build_app  # noqa: E402


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("serving")


@pytest.fixture(scope="module")
def client(module_tmp):
    """A started server (models warmed) on the toy model, through Starlette's in-process client."""
    from fastapi.testclient import TestClient

    app, state = build_app(module_tmp)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.state = state
        yield test_client
