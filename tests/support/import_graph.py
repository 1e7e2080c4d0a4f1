"""The import graph of saferkit's packages, read from the source with `ast` (nothing is imported).

Helpers for tests/core/test_import_graph.py. A module's imports are every `import
saferkit.X` and `from saferkit.X import y` anywhere in it (inside functions
too), relative imports resolved, and every string constant that names one of
our modules ("saferkit.hashing.hashlist", "saferkit.x.y:Class"): registries
import those by name with importlib.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOT_PACKAGE = "saferkit"
# The folder that holds the root package itself (cli.py, demo.py): the front end above every package.
FRONT_END = "saferkit"


@lru_cache(maxsize=1)
def package_folders() -> tuple[str, ...]:
    """PACKAGE_FOLDERS as setup.py declares it (read, not run: running setup.py builds)."""
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PACKAGE_FOLDERS" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise AssertionError("setup.py no longer defines PACKAGE_FOLDERS")


@lru_cache(maxsize=1)
def module_files() -> dict[str, Path]:
    """Dotted name -> file for every module that ships: saferkit/ and each mapped folder."""
    folders = {FRONT_END: ROOT_PACKAGE} | {folder: f"{ROOT_PACKAGE}.{folder}" for folder in package_folders()}
    found: dict[str, Path] = {}
    for folder, prefix in folders.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((prefix, *parts))] = path
    return found


@dataclass(frozen=True)
class Import:
    """One reference from a module to another name: where it is and what it names."""

    module: str
    line: int
    target: str

    def __str__(self) -> str:
        return f"{self.module} (line {self.line}) imports {self.target}"


def referenced_names(path: Path, module: str) -> list[Import]:
    """Every absolute dotted name `path` imports, and every string in it that looks like a module path."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append(Import(module, node.lineno, base))
            found += [Import(module, node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(f"{ROOT_PACKAGE}."):
            name = node.value.partition(":")[0]
            if name.replace(".", "").replace("_", "").isalnum():
                found.append(Import(module, node.lineno, name))
    return found


def owning_module(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of `name` that is one of our modules (`saferkit.x.y.Class` -> `saferkit.x.y`)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def package_of(module: str) -> str | None:
    """The package a module belongs to: a mapped folder, the front end, or None for the root `saferkit`."""
    parts = module.split(".")
    if parts[0] != ROOT_PACKAGE or len(parts) == 1:
        return None
    return parts[1] if parts[1] in package_folders() else FRONT_END


@lru_cache(maxsize=1)
def module_imports() -> dict[str, list[Import]]:
    """Module -> its imports of our other modules (resolved to the module that holds the name)."""
    modules = module_files()
    graph: dict[str, list[Import]] = {}
    for module, path in modules.items():
        resolved = []
        for ref in referenced_names(path, module):
            target = owning_module(ref.target, modules)
            if target is not None and target != module:
                resolved.append(Import(ref.module, ref.line, target))
        graph[module] = resolved
    return graph


@lru_cache(maxsize=1)
def package_imports() -> dict[str, dict[str, list[Import]]]:
    """Package -> imported package -> the imports that make the edge (the root `saferkit` is no package)."""
    edges: dict[str, dict[str, list[Import]]] = {package: defaultdict(list) for package in (*package_folders(), FRONT_END)}
    for module, imports in module_imports().items():
        source = package_of(module)
        if source is None:
            continue
        for ref in imports:
            target = package_of(ref.target)
            if target is not None and target != source:
                edges[source][target].append(ref)
    return {source: dict(targets) for source, targets in edges.items()}
