"""Every command line of README.md and docs/*.md runs in a test: each document has one test that runs all its lines.

A docs test runs its document through `DocRun(DOCUMENT, ...)` and ends with `.finish()`, which fails when a line
was neither run nor skipped by name with a reason; so a line added to a document runs, or that test fails.
"""

from __future__ import annotations

import importlib.util
import re

from docs_runner import REPO, bare, doc_lines, documents

DOC_TESTS = {
    "README.md": "tests/docs/test_readme_md.py",
    "docs/baseline.md": "tests/docs/test_baseline_md.py",
    "docs/datasets.md": "tests/docs/test_datasets_md.py",
    "docs/ethics.md": "tests/docs/test_ethics_md.py",
    "docs/evaluation.md": "tests/docs/test_evaluation_md.py",
    "docs/hashing.md": "tests/docs/test_hashing_md.py",
    "docs/hub.md": "tests/docs/test_hub_md.py",
    "docs/scan.md": "tests/evidence/test_docs_run.py",
    "docs/serving.md": "tests/evidence/test_docs_run.py",
    "docs/rounds.md": "tests/rounds/test_docs_rounds.py",  # its own runner: command_lines(), checked below
}
COMMAND = re.compile(r"^(saferkit|python|curl|mlflow|make|export|cd|KEY=|SAFERKIT_)")


def test_every_document_with_commands_has_its_test():
    with_commands = {document for document in documents() if doc_lines(document)}
    assert with_commands == set(DOC_TESTS), "add the document and its test to DOC_TESTS"
    for document, test in DOC_TESTS.items():
        source = (REPO / test).read_text(encoding="utf-8")
        if document == "docs/rounds.md":
            continue
        assert f'DocRun("{document}"' in source and ".finish()" in source, f"{test} does not run every line of {document}"


def test_the_rounds_test_reads_every_line_of_rounds_md():
    spec = importlib.util.spec_from_file_location("docs_rounds_under_check", REPO / DOC_TESTS["docs/rounds.md"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.command_lines() == doc_lines("docs/rounds.md")


def test_command_blocks_hold_commands_not_synopses():
    """A synopsis (`saferkit hash PATHS... [--algo ALGO ...]`) belongs in a ```text fence, where no test runs it."""
    for document in documents():
        for line in doc_lines(document):
            words = bare(line)
            assert COMMAND.match(words), f"{document}: {line!r} is not a command"
            assert "..." not in words and not re.search(r"\[--?\w", words), f"{document}: {line!r} is a synopsis"
