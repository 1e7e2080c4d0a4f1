"""The package import graph: core depends on nothing of ours, packages form no cycle, old helper homes are gone.

Read from the source with `ast` (see tests/support/import_graph.py), so an
import inside a function or a module named in a registry string counts as
much as one at the top of a file.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

from import_graph import (
    FRONT_END,
    REPO,
    ROOT_PACKAGE,
    module_files,
    module_imports,
    package_folders,
    package_imports,
    package_of,
    referenced_names,
)

# Where shared helpers used to live before `core` held them (issue 16); nothing may import them again.
OLD_HELPER_HOMES = (
    "saferkit.errors",
    "saferkit.jsonfile",
    "saferkit.jsonschemas",
    "saferkit.staging",
    "saferkit.evaluation.digest",
)


def test_the_graph_reader_sees_imports_inside_functions_relative_imports_and_registry_strings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import saferkit.core.errors\n"
        "def later():\n"
        "    from saferkit.hashing import hashlist\n"
        "    from . import sibling\n"
        "    from ..other import thing\n"
        "COMMANDS = ('saferkit.serving.commands', 'saferkit.hub_plugin.publishers.http:HttpPublisher', 'saferkit.component')\n",
        encoding="utf-8",
    )
    names = {ref.target for ref in referenced_names(sample, "saferkit.evaluation.sub.sample")}
    assert {"saferkit.core.errors", "saferkit.hashing.hashlist", "saferkit.evaluation.sub.sibling",
            "saferkit.evaluation.other.thing", "saferkit.serving.commands",
            "saferkit.hub_plugin.publishers.http"} <= names
    # A string that merely starts like a module is kept here and dropped when it names no module of ours.
    assert "saferkit.component" in names and "saferkit.component" not in module_files()


def test_every_package_and_the_front_end_are_read():
    modules = module_files()
    assert {package_of(name) for name in modules} == {*package_folders(), FRONT_END, None}
    assert "saferkit.core.atomic" in modules and "saferkit.cli" in modules
    # A known import in a function body is found (the evaluate command imports evaluate lazily).
    assert any(ref.target == "saferkit.evaluation.evaluate" for ref in module_imports()["saferkit.evaluation.commands"])


def test_core_imports_no_other_saferkit_package():
    outside = [str(ref) for module, imports in module_imports().items() if package_of(module) == "core"
               for ref in imports if package_of(ref.target) != "core"]
    assert not outside, "core must stay at the bottom of the graph:\n" + "\n".join(outside)


def test_the_root_package_imports_nothing_of_ours():
    """Packages read `saferkit.__version__`; that is safe only while the root module imports none of them."""
    assert module_imports()[ROOT_PACKAGE] == []


def test_no_package_level_import_cycle():
    edges = package_imports()
    sorter = graphlib.TopologicalSorter({source: set(targets) for source, targets in edges.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as error:
        cycle = error.args[1][::-1]  # graphlib walks from a package to its importers; read it as "imports"
        evidence = [f"{a} -> {b}: {edges[a][b][0]}" for a, b in zip(cycle, cycle[1:])]
        raise AssertionError("package import cycle " + " -> ".join(cycle) + "\n" + "\n".join(evidence)) from None


def test_no_package_imports_the_front_end():
    """cli.py and demo.py assemble the packages; a package importing them would put itself above the rest."""
    upward = [str(ref) for source, targets in package_imports().items() if source != FRONT_END
              for ref in targets.get(FRONT_END, [])]
    assert not upward, "\n".join(upward)


def python_files_anywhere() -> list[Path]:
    """Every Python file in the checkout except virtual environments, build output and caches."""
    skipped = {"build", "demo-out", "mlruns", "__pycache__"}
    tops = [top for top in REPO.iterdir() if not top.name.startswith(".") and top.name not in skipped]
    files = [top for top in tops if top.suffix == ".py"]
    files += [path for top in tops if top.is_dir() for path in top.rglob("*.py") if "__pycache__" not in path.parts]
    return sorted(files)


def test_nothing_imports_the_old_helper_homes():
    found = []
    for path in python_files_anywhere():
        if path == Path(__file__).resolve():
            continue  # this file names them to forbid them
        for ref in referenced_names(path, "tests.module" if "tests" in path.parts else f"{ROOT_PACKAGE}.module"):
            if any(ref.target == old or ref.target.startswith(old + ".") for old in OLD_HELPER_HOMES):
                found.append(f"{path.relative_to(REPO)}:{ref.line} {ref.target}")
    assert not found, "use saferkit.core instead:\n" + "\n".join(found)
    assert all(name not in module_files() for name in OLD_HELPER_HOMES)


def test_old_helper_homes_check_catches_every_import_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from saferkit import staging\nimport saferkit.errors as e\nfrom saferkit.evaluation.digest import file_sha256\n",
                      encoding="utf-8")
    targets = {ref.target for ref in referenced_names(sample, "tests.sample")}
    assert {"saferkit.staging", "saferkit.errors", "saferkit.evaluation.digest"} <= targets
    ast.parse(sample.read_text())  # the sample itself is valid Python
