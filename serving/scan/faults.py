"""Fault injection for tests and drills: make a worker die or stall on a named file.

`SAFERKIT_SCAN_FAULTS="die:NAME,sleep:NAME:SECONDS"` (comma separated). A
worker that reaches a file whose base name is NAME exits at once (`die`), as a
decoder crash or the kernel's out-of-memory killer would end it, or sleeps
(`sleep`), so an interruption can be timed. Unset in normal use; nothing else
reads it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

ENV_VAR = "SAFERKIT_SCAN_FAULTS"
DIE_EXIT_CODE = 70


@dataclass(frozen=True)
class Faults:
    die_on: frozenset[str] = field(default_factory=frozenset)
    sleep_on: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Faults":
        spec = os.environ.get(ENV_VAR, "").strip()
        die, sleep = set(), {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            action, _, rest = part.partition(":")
            if action == "die" and rest:
                die.add(rest)
            elif action == "sleep" and rest:
                name, _, seconds = rest.rpartition(":")
                sleep[name] = float(seconds)
        return cls(frozenset(die), sleep)

    def before_file(self, path: str) -> None:
        name = os.path.basename(path)
        if name in self.sleep_on:
            time.sleep(self.sleep_on[name])
        if name in self.die_on:
            os._exit(DIE_EXIT_CODE)
