"""The provenance gate refuses data without a valid provenance file, naming what is wrong."""

from __future__ import annotations

import json

import pytest

from saferkit.datasets.provenance import ProvenanceError, provenance_sha256, require_provenance

VALID = {
    "content": "benign-proxy",
    "source": "photos of household objects taken by the team",
    "license": "CC-BY-4.0",
    "permitted_by": "data owner, written consent on file",
    "attestation": {"no_sexual_or_abuse_material": True, "no_identifiable_children": True},
}


def write(tmp_path, record):
    (tmp_path / "provenance.json").write_text(json.dumps(record))
    return tmp_path


def test_valid_record_passes_and_hash_is_of_the_bytes(tmp_path):
    folder = write(tmp_path, VALID)
    assert require_provenance(folder)["content"] == "benign-proxy"
    assert len(provenance_sha256(folder)) == 64


def test_missing_file(tmp_path):
    with pytest.raises(ProvenanceError, match="has no provenance.json"):
        require_provenance(tmp_path)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"license": None}, "missing field 'license'"),
        ({"permitted_by": ""}, "missing field 'permitted_by'"),
        ({"content": "scraped"}, "'content' is 'scraped'"),
        ({"attestation": {"no_sexual_or_abuse_material": True}}, "no_identifiable_children' must be true"),
        ({"attestation": "yes"}, "'attestation' must be an object"),
    ],
)
def test_each_problem_is_named(tmp_path, change, message):
    record = {**VALID, **change}
    with pytest.raises(ProvenanceError, match=message):
        require_provenance(write(tmp_path, record))


def test_not_json(tmp_path):
    (tmp_path / "provenance.json").write_text("{nope")
    with pytest.raises(ProvenanceError, match="not valid JSON"):
        require_provenance(tmp_path)
