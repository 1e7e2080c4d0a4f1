"""Demo stage: generate a small synthetic set (with an injected bias) and its datasheet."""

from __future__ import annotations

from typing import Any

DEMO_IMAGES = 600
DEMO_SIZE = 64
DEMO_SPURIOUS = ("palette=b:0.8",)  # gives the bias report something real to find


def run(ctx: Any) -> None:
    """Write the set to ctx.out/data and share it as ctx.artifacts['data_dir']."""
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import DATASHEET_NAME, generate

    config = make_config(n=DEMO_IMAGES, seed=0, size=DEMO_SIZE, spurious=DEMO_SPURIOUS)
    result = generate(ctx.out / "data", config, overwrite=True)
    ctx.artifacts["data_dir"] = result.root
    splits = ", ".join(f"{name} {count}" for name, count in result.splits.items())
    ctx.console.print(f"synthetic set: {result.images} images ({splits}) in {result.root}")
    ctx.record("datasets", f"{result.images} synthetic {DEMO_SIZE}px images ({splits}), spurious {DEMO_SPURIOUS[0]}",
               result.root / "images")
    ctx.record("datasets", "manifest (labels, attributes, seeds)", result.root / "manifest.csv")
    ctx.record("datasets", "datasheet", result.root / DATASHEET_NAME)
    ctx.record("datasets", "provenance record", result.root / "provenance.json")
