"""Hub fixtures: a qualified toy submission with a report and scorecard built to docs/CONTRACTS.md,
publisher keys, and catalogue servers (SQLite here, PostgreSQL when SAFERKIT_TEST_PG_URL is set).

PostgreSQL and browser tests skip with a reason when those are missing locally;
with CI=true (or SAFERKIT_REQUIRE_SYSTEM_TESTS=1) they fail instead, because `.ci/ci_setup.sh` must provide them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from saferkit.evaluation.submission import load_submission

IN_CI = (os.environ.get("CI", "").lower() in ("1", "true", "yes")
         or os.environ.get("SAFERKIT_REQUIRE_SYSTEM_TESTS") == "1")
CHROMIUM = "/usr/bin/chromium"


def require_or_skip(available: bool, reason: str) -> None:
    """Skip when a system service is missing locally; in CI it must be there, so fail."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: .ci/ci_setup.sh should have provided it)")
    pytest.skip(reason)


def metric(value, low=None, high=None):
    return {"value": value, "ci_low": low, "ci_high": high}


def make_report(submission_sha256: str, *, name: str = "toy-red", version: str = "1.0.0") -> dict:
    """A report.json with the contract's shape and plausible numbers (two attributes, robustness rows)."""
    groups = lambda values: [  # noqa: E731
        {"group": g, "n": 40, "positives": 20, "recall": metric(r, r - 0.08, min(1.0, r + 0.06)),
         "fpr": metric(0.05), "selection_rate": metric(0.5), "roc_auc": metric(0.9), "estimable": True}
        for g, r in values]
    return {
        "schema_version": 1,
        "submission": {"name": name, "version": version, "sha256": submission_sha256, "task": "binary-triage",
                       "labels": ["clear", "review"], "threshold": 0.5},
        "data": {"provenance_sha256": "a" * 64, "splits": {"test": 160}},
        "config": {"seed": 0, "bootstrap_resamples": 200, "min_group_size": 20},
        "software": {"onnxruntime": "1.31.1"},
        "headline": {"roc_auc": metric(0.91, 0.87, 0.94), "pr_auc": metric(0.88, 0.83, 0.92),
                     "partial_auc_fpr_0.1": metric(0.8, 0.74, 0.85), "recall_at_fpr_0.01": metric(0.41, 0.3, 0.52),
                     "recall_at_fpr_0.001": metric(0.2, 0.1, 0.3), "fpr_at_recall_0.95": metric(0.33, 0.25, 0.41),
                     "wss_at_recall_0.95": metric(0.55, 0.48, 0.61), "precision_at_k": metric(None) | {"note": "too few to estimate"}},
        "operating_point": {"threshold": 0.5, "tp": 70, "fp": 9, "tn": 71, "fn": 10,
                            "precision": metric(0.886), "recall": metric(0.875), "specificity": metric(0.8875)},
        "calibration": {"brier": metric(0.11), "ece": metric(0.04)},
        "bias": {"attributes": {"lighting": {"groups": groups([("day", 0.9), ("night", 0.82)]),
                                             "equalized_odds_difference": metric(0.08),
                                             "demographic_parity_difference": metric(0.03),
                                             "worst_group_recall": metric(0.82, 0.74, 0.88)},
                                "background": {"groups": groups([("indoor", 0.88), ("outdoor", 0.86)]),
                                               "equalized_odds_difference": metric(0.02),
                                               "demographic_parity_difference": metric(0.01),
                                               "worst_group_recall": metric(0.86, 0.78, 0.92)}},
                 "intersections": {}, "worst_group_recall": metric(0.82, 0.74, 0.88),
                 "max_equalized_odds_difference": metric(0.08), "max_demographic_parity_difference": metric(0.03)},
        "robustness": {"rows": [{"transform": t, "severity": s, "roc_auc": 0.91 - d, "recall_at_threshold": 0.8,
                                 "auc_drop": d} for t in ("jpeg", "blur") for s, d in ((1, 0.01), (3, 0.04), (5, 0.09))],
                       "max_auc_drop": 0.09, "mean_auc_drop": 0.047},
        "efficiency": {"model_bytes": 1000, "parameters": 10, "latency_ms_batch1": 1.0, "throughput_batch32": 900.0,
                       "peak_memory_mb": 120.0, "provider": "CPUExecutionProvider",
                       "hardware": {"cpu": "Test CPU 3000", "cores": 2, "memory_gib": 24.0, "gpu": None}},
        "claims": [{"metric": "roc_auc", "declared": 0.9, "measured": metric(0.91, 0.87, 0.94), "verdict": "confirmed"}],
        "variants": {}, "sections_invalid": [],
    }


def make_scorecard(submission_sha256: str, report_sha256: str, *, qualified: bool = True) -> dict:
    criteria = [
        {"id": "data.synthetic_only", "title": "Trained and tested on synthetic or permitted proxy data",
         "principle": "lawfulness", "kind": "automatic", "required": True, "result": "pass", "evidence": "", "why": ""},
        {"id": "fairness.worst_group_recall", "title": "Recall holds up for every estimable group", "principle": "fairness",
         "kind": "automatic", "required": True, "result": "pass" if qualified else "fail", "evidence": "", "why": ""},
        {"id": "autonomy.human_oversight", "title": "Each result can be reviewed and overridden", "principle": "human oversight",
         "kind": "declared", "required": True, "result": "pass", "evidence": "", "why": ""},
    ]
    counts = {r: sum(c["result"] == r for c in criteria) for r in ("pass", "fail", "insufficient-evidence")}
    return {"schema_version": 1, "qualified": qualified, "submission_sha256": submission_sha256,
            "report_sha256": report_sha256, "profile": "default", "criteria": criteria, "counts": counts,
            "blocking": [c["id"] for c in criteria if c["required"] and c["result"] != "pass"]}


def sign_scorecard(scorecard: Path, report: Path, evaluator_key: Path, *, profile: Path | None = None,
                   review: Path | None = None) -> Path:
    """What `saferkit ethics check --key` adds: attestation.json beside the scorecard."""
    from saferkit.ethics.attestation import attest_scorecard

    return attest_scorecard(scorecard, report, profile_path=profile, review_path=review, private_key=evaluator_key)


def write_evaluated(folder: Path, submission_dir: Path, *, qualified: bool = True,
                    evaluator_key: Path | None = None) -> tuple[Path, Path]:
    """Write report.json and scorecard.json for a submission (signed with `evaluator_key`); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    submission = load_submission(submission_dir)
    report_path = folder / "report.json"
    report_path.write_text(json.dumps(make_report(submission.sha256, name=submission.name,
                                                  version=submission.version), indent=1))
    report_sha = hashlib.sha256(report_path.read_bytes()).hexdigest()
    scorecard_path = folder / "scorecard.json"
    scorecard_path.write_text(json.dumps(make_scorecard(submission.sha256, report_sha, qualified=qualified), indent=1))
    if evaluator_key is not None:
        sign_scorecard(scorecard_path, report_path, evaluator_key)
    return report_path, scorecard_path


@pytest.fixture(scope="session")
def evaluator(tmp_path_factory) -> tuple[Path, Path]:
    """The accredited test evaluator's key pair (private, public)."""
    from saferkit.core.keys import generate_keypair

    return generate_keypair(tmp_path_factory.mktemp("evaluator") / "evaluator.pem")


@pytest.fixture(scope="session")
def registry_file(tmp_path_factory, evaluator) -> Path:
    """A folder catalogue's registry accrediting the test evaluator and the built-in default profile."""
    from saferkit.ethics.profile import default_profile_text
    from saferkit.hub_plugin.registry import RegistryFile, evaluator_record, profile_record

    folder = tmp_path_factory.mktemp("registry")
    profile = folder / "default.yaml"
    profile.write_text(default_profile_text(), encoding="utf-8")
    registry = RegistryFile(folder / "registry.json")
    registry.accredit_evaluator(evaluator_record(evaluator[1].read_bytes(), "Test Evaluation Lab", None))
    registry.accredit_profile(profile_record(profile, "1"))
    return registry.path


@pytest.fixture(autouse=True)
def _operator_registry(monkeypatch, registry_file):
    """Folder publishing and `hub verify` check the chain against the operator's registry ($SAFERKIT_HUB_REGISTRY)."""
    monkeypatch.setenv("SAFERKIT_HUB_REGISTRY", str(registry_file))


def accredit_test_chain(catalogue, registry_file: Path) -> None:
    """Give a catalogue server the same accreditations as the test registry file."""
    from saferkit.hub_plugin.registry import RegistryFile

    registry = RegistryFile(registry_file).load()
    for record in registry.evaluators.values():
        catalogue.accredit_evaluator(record)
    for profile in registry.profiles.values():
        catalogue.accredit_profile(profile)


@pytest.fixture
def accredit(registry_file):
    """Accredit the test evaluator and default profile on a catalogue: `accredit(catalogue)`."""
    return lambda catalogue: accredit_test_chain(catalogue, registry_file)


@pytest.fixture
def qualified_scorecard(tmp_path: Path, evaluator):
    """Factory: a scorecard that qualifies the given submission and report (what a passing gate writes)."""

    def make(submission_dir: Path, report_path: Path) -> Path:
        path = tmp_path / "qualified-card" / "scorecard.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        report_sha = hashlib.sha256(Path(report_path).read_bytes()).hexdigest()
        path.write_text(json.dumps(make_scorecard(load_submission(submission_dir).sha256, report_sha), indent=1))
        sign_scorecard(path, Path(report_path), evaluator[0])
        return path

    return make


@pytest.fixture
def evaluated(tmp_path: Path, toy_submission, evaluator):
    """Factory: (submission_dir, report_path, scorecard_path) for a toy submission, qualified by default."""

    def make(qualified: bool = True, version: str = "1.0.0", name: str = "toy-red", folder: str = "sub"):
        submission_dir = toy_submission(folder_name=folder, version=version, name=name)
        report, scorecard = write_evaluated(tmp_path / f"{folder}-eval", submission_dir, qualified=qualified,
                                            evaluator_key=evaluator[0])
        return submission_dir, report, scorecard

    return make


@pytest.fixture
def cli(capsys):
    """Run the real `saferkit` entry point in this process: (exit code, stdout, stderr)."""
    from saferkit.cli import main

    def run(*args) -> tuple[int, str, str]:
        try:
            main([str(arg) for arg in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="session")
def keypair(tmp_path_factory) -> tuple[Path, Path]:
    from saferkit.core.keys import generate_keypair

    return generate_keypair(tmp_path_factory.mktemp("keys") / "publisher.pem")


@pytest.fixture
def hub(tmp_path: Path, keypair, registry_file):
    """A running catalogue on loopback with one publisher, one reader and the test evaluator and default
    profile accredited: (hub, publisher_key, reader_key)."""
    from saferkit.hub_plugin.server.run import EmbeddedHub

    with EmbeddedHub(tmp_path / "hub.db") as server:
        accredit_test_chain(server.catalogue, registry_file)
        publisher_key = server.catalogue.add_publisher("test-team", keypair[1].read_bytes())
        reader_key = server.catalogue.add_reader("test-agency")
        yield server, publisher_key, reader_key


def login_cookies(url: str, api_key: str) -> dict[str, str]:
    """Sign in to the pages as a browser does; the cookie holds a session id, never the key."""
    import httpx

    response = httpx.post(url + "/login", data={"key": api_key, "lang": "en", "next": "/"})
    assert response.status_code == 303, response.text
    cookies = dict(response.cookies)
    assert api_key not in "".join(cookies.values())
    return cookies


@pytest.fixture
def web_login():
    """`web_login(server.url, reader_key)` -> the session cookies of a signed-in reader."""
    return login_cookies


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get("SAFERKIT_TEST_PG_URL")
    require_or_skip(bool(url), "SAFERKIT_TEST_PG_URL is not set: no PostgreSQL server to test against")
    return url


@pytest.fixture(scope="session")
def chromium() -> str:
    require_or_skip(shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(),
                    f"{CHROMIUM} is missing: install Debian's chromium package")
    return CHROMIUM


def build_bundle(folder: Path, submission_dir: Path, report: Path, scorecard: Path, private_key: Path,
                 mutate=None, listing: dict | None = None):
    """A signed bundle like `hub publish` makes; `mutate(entry)` may break the entry before signing."""
    from saferkit.hub_plugin.bundle import write_signed_bundle
    from saferkit.hub_plugin.entry import build_entry
    from saferkit.hub_plugin.gate import check_publishable

    inputs = check_publishable(submission_dir, report, scorecard)
    entry = build_entry(inputs, listing)
    if mutate is not None:
        mutate(entry)
    return write_signed_bundle(inputs, entry, folder, private_key)


@pytest.fixture
def signed_bundle(tmp_path: Path, evaluated, keypair):
    """Factory: a signed bundle folder for a qualified toy submission."""

    def make(mutate=None, version: str = "1.0.0", name: str = "toy-red", listing: dict | None = None):
        submission_dir, report, scorecard = evaluated(version=version, name=name, folder=f"{name}-{version}")
        return build_bundle(tmp_path / f"bundle-{name}-{version}", submission_dir, report, scorecard, keypair[0],
                            mutate, listing)

    return make


@pytest.fixture
def chain_tools():
    """The helpers above for test modules (importlib mode cannot import conftest): build_bundle, sign_scorecard."""
    return build_bundle, sign_scorecard
