"""saferkit: a starter kit and evaluation harness for child-safety triage tools.

Everything is built and tested on synthetic data the kit generates, or on benign
proxy data with a provenance file. No real abuse material, ever.
"""

import sys
from pathlib import Path

__version__ = "0.1.0"


def _leave_checkout_root_off_the_path() -> None:
    """Drop a source checkout's root from `sys.path` (`python -m saferkit` run there puts it first).

    The checkout keeps `datasets/`, `serving/` and the other package folders at its top,
    so with the root on the path `import datasets` would find ours instead of the library
    of that name. They are only ever imported as `saferkit.<folder>`.
    """
    root = Path(__file__).resolve().parent.parent
    if not (root / "core" / "__init__.py").is_file() or not (root / "setup.py").is_file():
        return  # an installed wheel: nothing of ours sits beside the package
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != root]


_leave_checkout_root_off_the_path()
