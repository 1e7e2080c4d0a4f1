"""saferkit.datasets: synthetic scenes, robustness transforms, and the provenance-gated loader.

`load_dataset(root)` is the one loader every package uses; it is imported
lazily so `import saferkit.datasets` stays light (no pandas until needed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_dataset(root: str | Path) -> Any:
    """Rows of a permitted data folder as a pandas DataFrame (see datasets.loader)."""
    from saferkit.datasets.loader import load_dataset as _load

    return _load(root)


__all__ = ["load_dataset"]
