"""What a reader brings to a document's commands: their own folders, made here from the kit's synthetic data (no people)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "ethics"))

from ethics_cases import full_review, good_manifest_overrides, make_report, write_report  # noqa: E402

from saferkit.evaluation.submission import load_submission  # noqa: E402


def proxy_folder(target: Path, source: Path, per_class: int = 12) -> None:
    """A team's benign proxy data: an ImageFolder with its provenance.json (here: scenes from a synthetic set)."""
    rows = list(csv.DictReader(open(source / "manifest.csv", encoding="utf-8")))
    for flag, folder in (("1", "flagged"), ("0", "benign")):
        (target / folder).mkdir(parents=True)
        for row in [r for r in rows if r["flag"] == flag][:per_class]:
            shutil.copyfile(source / row["path"], target / folder / row["path"].rsplit("/", 1)[-1])
    (target / "provenance.json").write_text(json.dumps({
        "content": "benign-proxy", "source": "procedural scenes from saferkit data synth, standing in for a team's photos",
        "license": "CC0-1.0", "permitted_by": "the saferkit test suite",
        "attestation": {"no_sexual_or_abuse_material": True, "no_identifiable_children": True},
        "classes": {"positive": ["flagged"], "negative": ["benign"]}}), encoding="utf-8")


def team_work(toy_submission, folder: Path, report: str = "eval") -> str:
    """What a team brings to the hub: its submission, the evaluation report and the reviewer's (passing) answers."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(str(toy_submission(folder_name=f"made-{folder.name}", **good_manifest_overrides())), folder / "submission")
    sha = load_submission(folder / "submission").sha256
    write_report(folder / report, make_report(sha))
    (folder / "review.yaml").write_text(yaml.safe_dump(full_review(sha)), encoding="utf-8")
    return sha


def lab_signed_scorecard(folder: Path, env: dict[str, str], report: str, out: str) -> None:
    """The vetting chain of docs/hub.md for `team_work`: the lab's key, the profile, the review and scorecard it signs."""
    for step in ("saferkit hub keygen --out lab.pem", "saferkit ethics profile > default.yaml",
                 'saferkit ethics sign-review review.yaml --key lab.pem --reviewer "Lab A"',
                 f"saferkit ethics check submission --report {report}/report.json --review review.yaml --out {out} --key lab.pem"):
        done = subprocess.run(["bash", "-c", step], cwd=folder, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{step}\n{done.stderr}"


def media_folder(target: Path, seed: int = 7, n: int = 16) -> list[Path]:
    """A folder of media to hash and scan: synthetic scenes, one of them twice (an exact copy in a subfolder)."""
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate

    scratch = target.parent / f".scenes-{target.name}"
    generate(scratch, make_config(n=n, seed=seed, size=64), workers=1)
    pictures = sorted((scratch / "images").rglob("*.png"))
    target.mkdir(parents=True)
    for picture in pictures:
        shutil.copyfile(picture, target / picture.name)
    (target / "copies").mkdir()
    shutil.copyfile(pictures[0], target / "copies" / pictures[0].name)
    shutil.rmtree(scratch)
    return [target / p.name for p in pictures]


def known_list(path: Path, pictures: list[Path]) -> None:
    """A list of known pictures (MD5 and PDQ) in the format its extension names (.json: VICS)."""
    from saferkit.hashing import hash_bytes
    from saferkit.hashing.hashlist import HashRecord, write_hashlist

    records = []
    for i, picture in enumerate(pictures, start=1):
        hashes = hash_bytes(picture.read_bytes(), ["md5", "pdq"])
        records += [HashRecord("md5", hashes["md5"], str(i), "1"), HashRecord("pdq", hashes["pdq"], str(i), "1")]
    write_hashlist(records, path)
