"""Accrediting and revoking evaluators and profiles (registry file and server), and checking the chain offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
import yaml

from saferkit.core.errors import UserError
from saferkit.hub_plugin.publish import publish
from saferkit.hub_plugin.server.run import EmbeddedHub


def flat(text: str) -> str:
    return " ".join(text.split())


def test_operator_accredits_a_lab_then_revokes_it_in_a_registry_file(evaluated, chain_tools, cli, keypair,
                                                                      tmp_path: Path, monkeypatch):
    _, sign_scorecard = chain_tools
    monkeypatch.delenv("SAFERKIT_HUB_REGISTRY")
    assert cli("hub", "keygen", "--out", tmp_path / "lab.pem")[0] == 0
    code, profile_text, _ = cli("ethics", "profile")
    (tmp_path / "default.yaml").write_text(profile_text, encoding="utf-8")
    registry = tmp_path / "catalogue-registry.json"
    code, out, err = cli("hub", "accredit", "evaluator", tmp_path / "lab.pub", "--name", "Lab A", "--registry", registry)
    assert code == 0 and "accredited evaluator Lab A" in out, err
    code, out, err = cli("hub", "accredit", "profile", tmp_path / "default.yaml", "--version", "2026.1",
                         "--registry", registry)
    assert code == 0 and "accredited profile default version 2026.1" in out, err

    submission, report, scorecard = evaluated()
    sign_scorecard(scorecard, report, tmp_path / "lab.pem")
    catalogue = tmp_path / "catalogue"
    code, _, err = cli("hub", "publish", submission, "--report", report, "--scorecard", scorecard, "--hub", catalogue,
                       "--key", keypair[0])
    assert code == 2 and "not published (registry)" in flat(err)  # a folder catalogue needs its registry
    code, out, err = cli("hub", "publish", submission, "--report", report, "--scorecard", scorecard, "--hub", catalogue,
                         "--key", keypair[0], "--registry", registry)
    assert code == 0 and "toy-red 1.0.0: published" in out, err
    bundle = catalogue / "toy-red" / "1.0.0"
    vetting = json.loads((bundle / "entry.json").read_text())["vetting"]
    assert vetting["evaluator"]["name"] == "Lab A" and vetting["profile"]["version"] == "2026.1"
    code, out, err = cli("hub", "verify", bundle, "--public-key", keypair[1], "--registry", registry)
    assert code == 0, err
    assert "evaluated by Lab A" in out and "profile: default version 2026.1" in out and "chain valid: accredited" in out

    code, out, err = cli("hub", "verify", bundle, "--public-key", keypair[1])
    assert code == 0 and "accreditation not checked: pass --registry" in flat(out), err
    code, out, err = cli("hub", "revoke", "evaluator", tmp_path / "lab.pub", "--registry", registry)
    assert code == 0 and "revoked evaluator" in out, err
    code, _, err = cli("hub", "verify", bundle, "--public-key", keypair[1], "--registry", registry)
    assert code == 2 and "not published (evaluator-revoked)" in flat(err) and "Lab A" in flat(err)
    submission2, report2, scorecard2 = evaluated(version="1.1.0", folder="v2")
    sign_scorecard(scorecard2, report2, tmp_path / "lab.pem")
    code, _, err = cli("hub", "publish", submission2, "--report", report2, "--scorecard", scorecard2, "--hub", catalogue,
                       "--key", keypair[0], "--registry", registry)
    assert code == 2 and "not published (evaluator-revoked)" in flat(err)

    code, _, err = cli("hub", "accredit", "evaluator", tmp_path / "lab.pub", "--name", "Lab A", "--expires",
                       "2020-12-31", "--registry", registry)
    assert code == 0, err
    code, _, err = cli("hub", "publish", submission2, "--report", report2, "--scorecard", scorecard2, "--hub", catalogue,
                       "--key", keypair[0], "--registry", registry)
    assert code == 2 and "not published (evaluator-expired)" in flat(err) and "2020-12-31" in flat(err)
    code, _, err = cli("hub", "accredit", "evaluator", tmp_path / "lab.pub", "--name", "Lab A", "--expires",
                       "next week", "--registry", registry)
    assert code == 2 and "not a date" in err


def test_server_refuses_revoked_and_expired_evaluators(tmp_path: Path, evaluated, keypair, evaluator, cli):
    db = tmp_path / "hub.db"
    code, publisher_key, err = cli("hub", "add-publisher", "team", "--public-key", keypair[1], "--db", db)
    assert code == 0, err
    code, _, err = cli("hub", "accredit", "evaluator", evaluator[1], "--name", "Test Lab", "--expires", "2020-01-01",
                       "--db", db)
    assert code == 0, err
    assert cli("hub", "accredit", "profile", _default_profile(tmp_path, cli), "--db", db)[0] == 0
    with EmbeddedHub(db) as server:
        submission, report, scorecard = evaluated()
        response = _post(server, publisher_key.strip(), submission, report, scorecard, keypair)
        assert response.status_code == 422 and response.json()["check"] == "evaluator-expired"
    assert cli("hub", "accredit", "evaluator", evaluator[1], "--name", "Test Lab", "--db", db)[0] == 0
    assert cli("hub", "revoke", "evaluator", evaluator[1], "--db", db)[0] == 0
    with EmbeddedHub(db) as server:
        response = _post(server, publisher_key.strip(), submission, report, scorecard, keypair)
        assert response.status_code == 422 and response.json()["check"] == "evaluator-revoked"
        assert "Test Lab" in response.json()["error"]


def _default_profile(tmp_path: Path, cli) -> Path:
    path = tmp_path / "default.yaml"
    path.write_text(cli("ethics", "profile")[1], encoding="utf-8")
    return path


def _post(server, publisher_key, submission, report, scorecard, keypair):
    from saferkit.hub_plugin.bundle import write_signed_bundle, zip_bundle
    from saferkit.hub_plugin.entry import build_entry
    from saferkit.hub_plugin.gate import check_publishable

    inputs = check_publishable(submission, report, scorecard)
    folder = Path(str(scorecard.parent) + "-bundle")
    shutil.rmtree(folder, ignore_errors=True)
    bundle = write_signed_bundle(inputs, build_entry(inputs), folder, keypair[0])
    return httpx.post(server.url + "/api/v1/entries", content=zip_bundle(bundle.folder), timeout=60,
                      headers={"X-API-Key": publisher_key, "Content-Type": "application/zip"})


def test_page_shows_the_chain_and_its_download_verifies_offline(hub, evaluated, evaluator, chain_tools, keypair,
                                                                tmp_path: Path, cli, web_login, monkeypatch):
    monkeypatch.delenv("SAFERKIT_HUB_REGISTRY")  # the catalogue server checks against its own registry
    _, sign_scorecard = chain_tools
    server, publisher_key, reader_key = hub
    submission, report, scorecard = evaluated()
    review = tmp_path / "review.yaml"
    review.write_text(yaml.safe_dump({"submission_sha256": json.loads(scorecard.read_text())["submission_sha256"],
                                      "reviews": {}}), encoding="utf-8")
    code, _, err = cli("hub", "keygen", "--out", tmp_path / "reviewer.pem")
    from saferkit.ethics.attestation import sign_review

    sign_scorecard(scorecard, report, evaluator[0], review=review)  # answers nobody signed
    with pytest.raises(UserError, match="review-unsigned"):  # refused by the server, naming the link
        publish(submission, report, scorecard, server.url, key=keypair[0], api_key=publisher_key)
    sign_review(review, tmp_path / "reviewer.pem", "R. Viewer")
    sign_scorecard(scorecard, report, evaluator[0], review=review)
    with pytest.raises(UserError, match="reviewer-not-accredited"):  # a reviewer is an accredited evaluator
        publish(submission, report, scorecard, server.url, key=keypair[0], api_key=publisher_key)
    from saferkit.hub_plugin.registry import evaluator_record

    server.catalogue.accredit_evaluator(evaluator_record((tmp_path / "reviewer.pub").read_bytes(), "R. Viewer", None))
    publish(submission, report, scorecard, server.url, key=keypair[0], api_key=publisher_key)

    cookies = web_login(server.url, reader_key)
    page = httpx.get(server.url + "/tools/toy-red?lang=en", cookies=cookies).text
    assert "What was tested, and by whom" in page and "Test Evaluation Lab" in page and "accredited by this catalogue" in page
    assert "a" * 64 in page and "Measured on 160 test items" in page  # provenance digest; size from the report
    assert "<bdi>default</bdi> Version 1" in page and "max_auc_drop" in page and "R. Viewer" in page

    download = httpx.get(server.url + "/api/v1/entries/toy-red/versions/1.0.0/bundle", cookies=cookies)
    (tmp_path / "dl.zip").write_bytes(download.content)
    registry = httpx.get(server.url + "/api/v1/registry", headers={"X-API-Key": reader_key})
    (tmp_path / "registry.json").write_bytes(registry.content)
    code, out, err = cli("hub", "verify", tmp_path / "dl.zip", "--public-key", keypair[1],
                         "--registry", tmp_path / "registry.json")
    assert code == 0, err
    assert "signature valid: toy-red 1.0.0, 5 signed files" in out and "reviewed by R. Viewer" in out
    assert "evaluated by Test Evaluation Lab" in out and "chain valid: accredited" in out


def test_revoked_profile_is_refused_naming_it(evaluated, evaluator, chain_tools, cli, keypair, tmp_path: Path):
    _, sign_scorecard = chain_tools
    profile = _default_profile(tmp_path, cli)
    registry = tmp_path / "registry.json"
    assert cli("hub", "accredit", "evaluator", evaluator[1], "--name", "Lab B", "--registry", registry)[0] == 0
    assert cli("hub", "accredit", "profile", profile, "--registry", registry)[0] == 0
    code, out, err = cli("hub", "revoke", "profile", profile, "--registry", registry)
    assert code == 0 and "revoked profile" in out, err
    submission, report, scorecard = evaluated()
    code, _, err = cli("hub", "publish", submission, "--report", report, "--scorecard", scorecard, "--hub",
                       tmp_path / "catalogue", "--key", keypair[0], "--registry", registry)
    assert code == 2 and "not published (profile-not-accredited)" in flat(err) and "was revoked on" in flat(err)


def test_revoked_reviewer_is_refused_naming_the_reviewer(evaluated, evaluator, chain_tools, cli, keypair, tmp_path: Path):
    from saferkit.ethics.attestation import sign_review

    _, sign_scorecard = chain_tools
    profile = _default_profile(tmp_path, cli)
    registry = tmp_path / "registry.json"
    assert cli("hub", "keygen", "--out", tmp_path / "reviewer.pem")[0] == 0
    assert cli("hub", "accredit", "evaluator", evaluator[1], "--name", "Lab B", "--registry", registry)[0] == 0
    assert cli("hub", "accredit", "evaluator", tmp_path / "reviewer.pub", "--name", "R. Viewer", "--registry", registry)[0] == 0
    assert cli("hub", "accredit", "profile", profile, "--registry", registry)[0] == 0
    assert cli("hub", "revoke", "evaluator", tmp_path / "reviewer.pub", "--registry", registry)[0] == 0
    submission, report, scorecard = evaluated()
    review = tmp_path / "review.yaml"
    review.write_text(yaml.safe_dump({"submission_sha256": json.loads(scorecard.read_text())["submission_sha256"],
                                      "reviews": {}}), encoding="utf-8")
    sign_review(review, tmp_path / "reviewer.pem", "R. Viewer")
    sign_scorecard(scorecard, report, evaluator[0], review=review)
    code, _, err = cli("hub", "publish", submission, "--report", report, "--scorecard", scorecard, "--hub",
                       tmp_path / "catalogue", "--key", keypair[0], "--registry", registry)
    assert code == 2 and "not published (reviewer-revoked)" in flat(err) and "reviewer 'R. Viewer'" in flat(err)


def test_migration_0002_upgrades_a_catalogue_that_already_has_publishers(tmp_path: Path, keypair, evaluator):
    from sqlalchemy import inspect

    from saferkit.hub_plugin.registry import evaluator_record
    from saferkit.hub_plugin.server.db import make_engine, migrate
    from saferkit.hub_plugin.server.store import Catalogue

    db = tmp_path / "old.db"
    engine = make_engine(str(db))
    migrate(engine, "0001")  # a catalogue from before accreditation existed
    assert "accredited_evaluators" not in inspect(engine).get_table_names()
    engine.dispose()
    catalogue = Catalogue(str(db))  # opening it upgrades to head
    try:
        key = catalogue.add_publisher("team", keypair[1].read_bytes())
        assert catalogue.authenticate(key).publisher_name == "team"
        catalogue.accredit_evaluator(evaluator_record(evaluator[1].read_bytes(), "Lab", "2030-01-01"))
        assert [e.name for e in catalogue.registry().evaluators.values()] == ["Lab"]
        assert {"accredited_evaluators", "accredited_profiles"} <= set(inspect(catalogue.engine).get_table_names())
    finally:
        catalogue.close()
    engine = make_engine(str(db))
    migrate(engine, "base")  # and all the way down, through 0002's downgrade
    assert not {"accredited_evaluators", "accredited_profiles", "publishers"} & set(inspect(engine).get_table_names())
    engine.dispose()
