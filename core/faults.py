"""Fault injection for tests and drills: make a pool worker (scan or hash) die or stall on a named file.

`SAFERKIT_SCAN_FAULTS` holds comma-separated actions keyed by a file's base name:
- `die:NAME`      the worker exits at once on NAME, every time (a decoder crash,
                  the out-of-memory killer);
- `dieonce:NAME`  it exits the first time only (a transient crash); the marker
                  that remembers this lives in `SAFERKIT_SCAN_FAULT_DIR`;
- `sleep:NAME:S`  it sleeps S seconds before NAME, so an interruption can be timed.
Unset in normal use; nothing else reads these variables.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

ENV_VAR = "SAFERKIT_SCAN_FAULTS"
STATE_ENV_VAR = "SAFERKIT_SCAN_FAULT_DIR"
DIE_EXIT_CODE = 70


@dataclass(frozen=True)
class Faults:
    die_on: frozenset[str] = field(default_factory=frozenset)
    die_once_on: frozenset[str] = field(default_factory=frozenset)
    sleep_on: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Faults":
        spec = os.environ.get(ENV_VAR, "").strip()
        die, once, sleep = set(), set(), {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            action, _, rest = part.partition(":")
            if action == "die" and rest:
                die.add(rest)
            elif action == "dieonce" and rest:
                once.add(rest)
            elif action == "sleep" and rest:
                name, _, seconds = rest.rpartition(":")
                sleep[name] = float(seconds)
        return cls(frozenset(die), frozenset(once), sleep)

    def before_file(self, path: str) -> None:
        name = os.path.basename(path)
        if name in self.sleep_on:
            time.sleep(self.sleep_on[name])
        if name in self.die_on:
            os._exit(DIE_EXIT_CODE)
        if name in self.die_once_on:
            marker = Path(os.environ.get(STATE_ENV_VAR, ".")) / f"died-once-{name}"
            if not marker.exists():
                marker.touch()
                os._exit(DIE_EXIT_CODE)
