"""The serving audit log records results, hash-chained; `saferkit serve verify-audit` finds removed or edited lines."""

from __future__ import annotations

import json

import pytest
from evidence_helpers import run_cli

from saferkit.serving.audit import AuditLog

KEY = "k" * 32


@pytest.fixture
def audit_log(tmp_path, toy_submission, drive, known_list):
    from fastapi.testclient import TestClient

    from saferkit.serving.app import create_app, load_state
    from saferkit.serving.config import serve_config
    from saferkit.serving.keys import ApiKeys

    path = tmp_path / "audit.jsonl"
    state = load_state([toy_submission()], [known_list], serve_config(audit_log=path), ApiKeys([KEY]),
                       allow_unqualified=True)
    headers = {"Authorization": f"Bearer {KEY}"}
    image = drive["listed"][0].read_bytes()
    with TestClient(create_app(state)) as client:
        name = client.get("/v1/models", headers=headers).json()["models"][0]["name"]
        for _ in range(2):
            assert client.post(f"/v1/models/{name}/triage", headers=headers,
                               files={"image": ("a.png", image, "image/png")}).status_code == 200
        assert client.post("/v1/match", headers=headers, files={"image": ("a.png", image, "image/png")}).status_code == 200
    return path


def test_results_scores_matches_and_list_digests_are_recorded(audit_log, known_list):
    from saferkit.core.digest import file_sha256

    entries = [json.loads(line) for line in audit_log.read_text().splitlines()]
    triage = [e for e in entries if e["endpoint"].endswith("/triage")]
    assert triage and isinstance(triage[0]["results"][0]["score"], float) and "flagged" in triage[0]["results"][0]
    match = [e for e in entries if e["endpoint"] == "/v1/match"][0]
    assert match["lists"] == [{"name": "known.csv", "sha256": file_sha256(known_list)}]
    assert {m["id"] for m in match["results"][0]["matches"]} == {"100"}
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))


def test_verify_audit_accepts_the_log_and_names_a_removed_or_edited_line(audit_log, capsys, tmp_path):
    code, output = run_cli(capsys, "serve", "verify-audit", audit_log)
    assert code == 0 and "chain intact" in output, output
    lines = audit_log.read_text().splitlines(keepends=True)
    removed = tmp_path / "removed.jsonl"
    removed.write_text("".join(lines[:1] + lines[2:]))
    code, output = run_cli(capsys, "serve", "verify-audit", removed)
    assert code == 1 and "entry 2 was removed before line 2" in output, output
    edited = tmp_path / "edited.jsonl"
    entry = json.loads(lines[1])
    entry["status"] = 404
    edited.write_text("".join([lines[0], json.dumps(entry) + "\n", *lines[2:]]))
    code, output = run_cli(capsys, "serve", "verify-audit", edited)
    assert code == 1 and "line 2 was changed" in output, output


def test_a_reopened_log_continues_the_chain(tmp_path):
    path = tmp_path / "audit.jsonl"
    for _ in range(2):
        log = AuditLog(path)
        log.write(endpoint="/x", status=200)
        log.close()
    from saferkit.serving.audit import verify_audit

    assert verify_audit(path)[:2] == ([], 2)


def test_a_signed_head_shows_lines_cut_from_the_end_and_lines_added_after_it(tmp_path, capsys):
    from saferkit.core.keys import generate_keypair
    from saferkit.serving.audit import head_path, verify_audit

    key, public = generate_keypair(tmp_path / "server.pem")
    _, other_public = generate_keypair(tmp_path / "other.pem")
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, key)
    for number in range(4):
        log.write(endpoint="/v1/match", status=200, results=[{"id": f"S{number}"}])
    log.close()
    assert verify_audit(path, public)[:2] == ([], 4)
    code, output = run_cli(capsys, "serve", "verify-audit", path, "--public-key", public)
    assert code == 0 and "as the server signed it" in output
    whole = path.read_text().splitlines(keepends=True)

    path.write_text("".join(whole[:2]))  # the last two lines cut off: the chain alone cannot tell
    assert verify_audit(path)[0] != []  # the head beside the log is checked even when no key is named
    problems = verify_audit(path, public)[0]
    assert problems == ["entries 3 to 4 were removed from the end of the log (the server signed entry 4 as its last)"]
    code, output = run_cli(capsys, "serve", "verify-audit", path, "--public-key", public)
    assert code == 1 and "removed from the end" in output

    forged = AuditLog(path)  # someone without the key appends (or re-appends) lines
    for _ in range(3):
        forged.write(endpoint="/v1/match", status=200)
    forged.close()
    assert verify_audit(path, public)[0] == ["entry 5 comes after the last one the server signed (entry 4): "
                                             "not written by the server holding the key"]
    path.write_text("".join(whole))
    assert verify_audit(path, other_public)[0] == [f"{head_path(path).name} is signed by another key than other.pub"]
    head_path(path).unlink()
    assert verify_audit(path)[0] == []  # no head and no key asked for: the chain alone
    assert "no signed head" in verify_audit(path, public)[0][0]
