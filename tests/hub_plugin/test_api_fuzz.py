"""Schemathesis fuzzing of the hub API from its own OpenAPI document: no input may cause a 5xx.

Loopback only; a bounded number of generated requests per operation, for each role
that reaches different code (operator, publisher), and a time limit.
"""

from __future__ import annotations

import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from saferkit.hub_plugin.bundle import zip_bundle
from saferkit.hub_plugin.server.api import API

EXAMPLES_PER_OPERATION = 12
TIME_LIMIT_S = 240


def test_no_generated_request_makes_the_hub_fail(hub, signed_bundle):
    server, publisher_key, reader_key = hub
    fuzz_hub(server, publisher_key, reader_key, signed_bundle)


@pytest.mark.postgres
def test_no_generated_request_makes_the_hub_fail_on_postgres(pg_url, keypair, signed_bundle, accredit):
    from saferkit.hub_plugin.server.db import make_engine, migrate
    from saferkit.hub_plugin.server.run import EmbeddedHub

    engine = make_engine(pg_url)
    try:
        migrate(engine, "base")
    finally:
        engine.dispose()
    with EmbeddedHub(pg_url) as server:
        accredit(server.catalogue)
        publisher_key = server.catalogue.add_publisher("test-team", keypair[1].read_bytes())
        fuzz_hub(server, publisher_key, server.catalogue.add_reader("fuzz agency"), signed_bundle)


def fuzz_hub(server, publisher_key: str, reader_key: str, signed_bundle) -> None:  # noqa: ANN001
    import schemathesis
    from schemathesis.transport.serialization import serialize_binary

    @schemathesis.serializer("application/zip")
    def zip_body(_context, value) -> bytes:  # noqa: ANN001 - the upload route takes raw bytes
        return serialize_binary(value)

    assert httpx.post(server.url + f"{API}/entries", content=zip_bundle(signed_bundle().folder),
                      headers={"X-API-Key": publisher_key}, timeout=60).status_code == 201
    operator_key = server.catalogue.add_operator("fuzz operator")
    document = httpx.get(server.url + f"{API}/openapi.json", headers={"X-API-Key": reader_key}).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    started, calls, failures = time.monotonic(), [0], []

    def fuzz(operation, key: str) -> None:  # noqa: ANN001
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case) -> None:  # noqa: ANN001
            if time.monotonic() - started > TIME_LIMIT_S:
                return
            response = case.call(base_url=server.url, headers={"X-API-Key": key}, timeout=30)
            calls[0] += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

        call()

    for key in (operator_key, publisher_key):  # the operator is also a reader account; the publisher reaches the rest
        for operation in operations:
            fuzz(operation, key)
    assert calls[0] > 150, calls
    assert not failures, failures[:5]
