"""Small picklable pool workers for tests of `saferkit.core.pool` (spawned processes import them by name)."""

from __future__ import annotations

import os


class Doubler:
    """Answers each batch (a number) with its double and the answering process's id."""

    def process(self, batch: int) -> tuple[int, int]:
        return batch * 2, os.getpid()


def lost(batch: int, detail: str) -> tuple[int, int]:
    """The give-up result: no process answered."""
    return -1, -1
