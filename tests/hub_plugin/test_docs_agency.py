"""The commands of docs/hub.md's accounts/TLS and field-evidence sections, run exactly as written."""

from __future__ import annotations

import datetime
import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def section_commands(heading: str) -> list[list[str]]:
    text = (DOCS / "hub.md").read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.startswith("saferkit ")]


def self_signed(cert: Path, key: Path) -> None:
    """A throwaway certificate for 127.0.0.1 (what an operator would get from their CA)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
                   .sign(private, hashes.SHA256()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))


def test_tls_commands_serve_https_with_a_secure_session_cookie(cli, tmp_path: Path, monkeypatch):
    from saferkit.hub_plugin.server.run import require_free_port
    from saferkit.hub_plugin.server.store import Catalogue

    monkeypatch.chdir(tmp_path)
    add_operator, serve = section_commands("## Accounts, sessions and the audit")
    code, out, err = cli(*add_operator[1:])
    assert code == 0 and out.strip().startswith("op_"), err
    self_signed(tmp_path / "hub-cert.pem", tmp_path / "hub-cert-key.pem")
    catalogue = Catalogue("hub.db")
    reader_key = catalogue.add_reader("Agency X")
    catalogue.close()
    port = int(serve[serve.index("--port") + 1])
    try:
        require_free_port("127.0.0.1", port)
    except Exception:
        pytest.skip(f"port {port} (from docs/hub.md) is taken on this machine")
    server = subprocess.Popen([sys.executable, "-m", "saferkit", *serve[1:]], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url, deadline = f"https://127.0.0.1:{port}", time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/v1/health", verify=False, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the TLS hub did not start"
            time.sleep(0.3)
        login = httpx.post(url + "/login", data={"key": reader_key, "lang": "en"}, verify=False)
        cookie = login.headers["set-cookie"].lower()
        assert login.status_code == 303 and "secure" in cookie and reader_key.lower() not in cookie
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.slow
def test_field_evidence_commands_run_as_written(cli, toy_submission, tmp_path: Path, monkeypatch):
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate
    from saferkit.evaluation.private_report import verify_field_report

    monkeypatch.chdir(tmp_path)
    toy_submission(folder_name="submission")
    generate(tmp_path / "our-data", make_config(n=200, seed=3, size=32), workers=1)
    keygen, evaluate = section_commands("## Field evidence: agency-run evaluation, aggregates only")
    assert cli(*keygen[1:])[0] == 0
    code, out, err = cli(*evaluate[1:])
    assert code == 0, err
    statement = verify_field_report(json.loads((tmp_path / "field-eval" / "field-report.json").read_text()))
    assert statement["data"]["content"] == "field" and statement["tool"]["name"] == "toy-red"
    assert not (tmp_path / "field-eval" / "scores.csv").exists()
