"""saferkit: a starter kit and evaluation harness for child-safety triage tools.

Everything is built and tested on synthetic data the kit generates, or on benign
proxy data with a provenance file. No real abuse material, ever.
"""

import sys
from pathlib import Path

__version__ = "0.1.0"


def _checkout_root() -> Path | None:
    """The source checkout this package was imported from, or None for an installed wheel."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "setup.py").is_file() and (root / "core" / "__init__.py").is_file() else None


def _import_from_checkout(root: Path) -> None:
    """Make a checkout's `saferkit/` find its sibling package folders, and keep its root off `sys.path`.

    The checkout keeps `core/`, `datasets/`, `serving/` ... beside `saferkit/` (setup.py maps
    them to `saferkit.<folder>`). Run from the checkout (`python -m saferkit` puts it first on the
    path) the package found is this folder, so its subpackages are looked up beside it too, never
    in an installed copy of another version. With the root on `sys.path`, `import datasets` would
    also find our folder instead of the library of that name; it is only ever `saferkit.datasets`.
    """
    if str(root) not in __path__:
        __path__.append(str(root))
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != root]


_root = _checkout_root()
if _root is not None:
    _import_from_checkout(_root)
