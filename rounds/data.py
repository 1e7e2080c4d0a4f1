"""`saferkit round make-data`: each phase's data from its recipe, through the kit's one generator.

The development data is public (its recipe and seed are in the spec); the final
data needs the organiser's round file (secret seed and held-out settings) and
is written where only the organiser reads it. Each phase's data is one test
split: training data is the teams' own business.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.rounds.spec import Round


def phase_shares(round_: Round, phase: str) -> dict[str, dict[str, float]]:
    """The attribute value mix of a phase's data: its shares, with the held-out shares on top for the final phase."""
    recipe = round_.phase(phase)["data"]
    shares: dict[str, dict[str, float]] = {k: dict(v) for k, v in (recipe.get("shares") or {}).items()}
    shares.update({k: dict(v) for k, v in ((recipe.get("held_out") or {}).get("shares") or {}).items()})
    return shares


def make_phase_data(round_: Round, phase: str, out: str | Path, *, overwrite: bool = False, workers: int | None = None) -> Any:
    """Generate a phase's test data into `out`; the final phase needs the organiser's round file."""
    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate

    recipe = round_.phase(phase)["data"]
    if "seed" not in recipe:
        raise UserError(f"{round_.source} holds no seed for the {phase} phase: it is a public spec, and only the organiser's "
                        "round file can make the hidden data.")
    config = make_config(n=int(recipe["n"]), seed=int(recipe["seed"]), size=int(recipe["size"]), splits="test=1",
                         shares=phase_shares(round_, phase))
    return generate(Path(out), config, overwrite=overwrite, workers=workers)
