"""Case metadata and custody of a scan result; `saferkit scan verify` names what changed."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from evidence_helpers import run_cli, scan

from saferkit.core.keys import generate_keypair
from saferkit.serving.scan import custody, store


@pytest.fixture
def signed(tmp_path, drive, known_list):
    key, public = generate_keypair(tmp_path / "keys" / "examiner.pem")
    out = tmp_path / "result"
    scan(out, drive["root"], hashlists=[known_list], shard_size=4, batch_size=2, case="OP-2026-17", exhibit="EX-3",
         examiner="A. Examiner", examiner_key=key, command_line=["saferkit", "scan", "..."])
    return out, public


def test_the_manifest_holds_case_host_tool_times_and_every_output_digest(signed, drive):
    out, _ = signed
    manifest = store.read_json(out / store.MANIFEST_NAME)
    case = manifest["case"]
    assert (case["case"], case["exhibit"], case["examiner"]) == ("OP-2026-17", "EX-3", "A. Examiner")
    assert case["host"] and case["tool_version"] and case["command_line"][:2] == ["saferkit", "scan"]
    assert case["source_read_only"] is False  # a tmp folder is writable; a read-only mount says True
    run = manifest["runs"][0]
    assert run["started"] and run["finished"] and run["examiner"] == "A. Examiner"
    files = manifest["custody"]["files"]
    assert len([f for f in files if f.startswith("shards/")]) == manifest["shards"] == 3
    assert store.PLAN_NAME in files and store.SUMMARY_NAME in files


def test_verify_accepts_an_untouched_result_and_checks_the_key(signed, capsys, tmp_path):
    out, public = signed
    code, output = run_cli(capsys, "scan", "verify", out, "--public-key", public)
    assert code == 0 and "verified" in output and "signed by A. Examiner" in output, output
    _, other = generate_keypair(tmp_path / "keys" / "other.pem")
    code, output = run_cli(capsys, "scan", "verify", out, "--public-key", other)
    assert code == 1 and "signed with another key" in output


def test_verify_names_a_changed_shard(signed, capsys):
    out, _ = signed
    shard = store.shard_path(out, 1)
    table = pq.read_table(shard)
    pq.write_table(table.slice(0, table.num_rows - 1), shard)  # a row quietly dropped
    code, output = run_cli(capsys, "scan", "verify", out)
    assert code == 1 and "CHANGED: shards/shard-000001.parquet changed" in output, output


def test_verify_names_a_changed_manifest_line(signed, capsys):
    out, _ = signed
    path = out / store.MANIFEST_NAME
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(n for n, line in enumerate(lines, start=1) if '"exhibit": "EX-3"' in line)
    lines[number - 1] = lines[number - 1].replace("EX-3", "EX-4")
    path.write_text("\n".join(lines), encoding="utf-8")
    code, output = run_cli(capsys, "scan", "verify", out)
    assert code == 1 and f"manifest.json line {number} changed" in output and "EX-4" in output, output


def test_verify_names_a_removed_or_edited_custody_line(signed, capsys):
    out, _ = signed
    log = out / custody.CUSTODY_LOG
    original = log.read_text(encoding="utf-8").splitlines(keepends=True)
    log.write_text("".join(original[:2] + original[3:]), encoding="utf-8")
    code, output = run_cli(capsys, "scan", "verify", out)
    assert code == 1 and "entry 3 was removed before line 3" in output, output
    entry = json.loads(original[1])
    entry["sha256"] = "0" * 64
    log.write_text("".join([original[0], json.dumps(entry) + "\n", *original[2:]]), encoding="utf-8")
    code, output = run_cli(capsys, "scan", "verify", out)
    assert code == 1 and "custody.jsonl line 2 was changed" in output, output
    log.write_text("".join(original[:-1]), encoding="utf-8")  # the last entry dropped: only the signature tells
    code, output = run_cli(capsys, "scan", "verify", out)
    assert code == 1 and "does not end where the signature says" in output, output


def test_a_resumed_run_appends_to_the_chain(tmp_path, drive, capsys):
    out = tmp_path / "result"
    scan(out, drive["root"], shard_size=4, batch_size=2, max_shards=1, case="C1")
    first = (out / custody.CUSTODY_LOG).read_text(encoding="utf-8")
    scan(out, drive["root"], shard_size=4, batch_size=2, case="C1")
    second = (out / custody.CUSTODY_LOG).read_text(encoding="utf-8")
    assert second.startswith(first) and len(second.splitlines()) > len(first.splitlines())
    events = [json.loads(line)["event"] for line in second.splitlines()]
    assert events.count("run-started") == 2 and events.count("run-finished") == 2
    code, output = run_cli(capsys, "scan", "verify", out)
    assert code == 0 and "not signed" in output, output
    with pytest.raises(Exception, match="not 'C2'"):
        scan(out, drive["root"], shard_size=4, batch_size=2, case="C2")


def test_the_report_names_the_case_and_the_custody_record(signed, tmp_path):
    from saferkit.serving.scan.report import write_report

    out, _ = signed
    html_path = tmp_path / "report.html"
    write_report(out, html_path)
    html = html_path.read_text(encoding="utf-8")
    assert "case OP-2026-17 · exhibit EX-3 · examiner A. Examiner" in html
    assert "signed by the examiner" in html and "source mounted read-only: no" in html
