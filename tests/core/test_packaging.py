"""What the wheel ships: every package folder, every subpackage and data file, and nothing from the root.

setup.py maps each top-level folder to `saferkit.<folder>`; a new folder left
out of PACKAGE_FOLDERS, or a code folder without `__init__.py` (find_packages
skips it), would silently drop out of the wheel while the tests, which run
from the checkout, still pass.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from import_graph import REPO, ROOT_PACKAGE, package_folders

CHECKOUT_ONLY = ("build", "demo-out", "mlruns", "__pycache__", "*.egg-info", ".*")


def shipped_sources() -> dict[str, Path]:
    """Path inside the wheel -> file in the checkout, for everything the mapped folders hold."""
    folders = {ROOT_PACKAGE: ROOT_PACKAGE} | {folder: f"{ROOT_PACKAGE}/{folder}" for folder in package_folders()}
    found = {}
    for folder, target in folders.items():
        for path in (REPO / folder).rglob("*"):
            relative = path.relative_to(REPO / folder)
            if path.is_file() and path.suffix != ".pyc" and not any(
                    part == "__pycache__" or part.startswith(".") for part in relative.parts):
                found[f"{target}/{relative.as_posix()}"] = path
    return found


def test_package_folders_are_every_top_level_package():
    on_disk = {init.parent.name for init in REPO.glob("*/__init__.py")} - {ROOT_PACKAGE}
    assert on_disk == set(package_folders()), "add the folder to PACKAGE_FOLDERS in setup.py (or remove its __init__.py)"


def test_setup_lists_every_subpackage_of_the_mapped_folders(monkeypatch):
    import setuptools  # noqa: F401  (puts setuptools' distutils in place)
    from distutils.core import run_setup

    monkeypatch.chdir(REPO)
    distribution = run_setup(str(REPO / "setup.py"), stop_after="init")  # reads the arguments, builds nothing
    expected = {ROOT_PACKAGE}
    for folder in package_folders():
        assert distribution.package_dir[f"{ROOT_PACKAGE}.{folder}"] == folder
        for init in (REPO / folder).rglob("__init__.py"):
            sub = init.parent.relative_to(REPO / folder).parts
            expected.add(".".join((ROOT_PACKAGE, folder, *sub)))
    assert set(distribution.packages) == expected


def test_every_folder_with_python_code_is_a_package():
    """find_packages only finds folders with __init__.py; code elsewhere would not be installed."""
    loose = sorted(
        str(folder.relative_to(REPO))
        for top in package_folders()
        for folder in {path.parent for path in (REPO / top).rglob("*.py")}
        if not (folder / "__init__.py").is_file()
    )
    assert not loose, f"folders with Python code but no __init__.py: {loose}"


def test_the_wheel_ships_the_packages_and_nothing_from_the_root(tmp_path):
    source = tmp_path / "source"  # building in place would leave build/ and *.egg-info in the checkout
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*CHECKOUT_ONLY))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {name.split("/")[0] for name in names}
    assert ROOT_PACKAGE in tops and all(top == ROOT_PACKAGE or top.endswith(".dist-info") for top in tops), sorted(tops)
    assert not {"setup.py", "README.md", "pyproject.toml"} & names
    assert not any(name.startswith(("tests/", f"{ROOT_PACKAGE}/tests/")) for name in names)
    missing = sorted(set(shipped_sources()) - names)
    assert not missing, f"files in the package folders that the wheel leaves out: {missing}"
