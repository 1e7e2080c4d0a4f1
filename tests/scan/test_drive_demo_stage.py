"""The synthetic-drive demo stage: builds, scans and checks a drive against its truth."""

from __future__ import annotations

import io

from rich.console import Console

from saferkit.serving import drive_demo_stage


class _Context:
    def __init__(self, out):
        self.out, self.console, self.artifacts, self.summary = out, Console(file=io.StringIO()), {}, []

    def record(self, stage, what, where):
        self.summary.append((stage, what, str(where)))


def test_the_drive_stage_finds_every_listed_placement(tmp_path):
    ctx = _Context(tmp_path)
    drive_demo_stage.run(ctx)
    assert [row[0] for row in ctx.summary] == ["drive", "drive"]
    found = ctx.summary[1][1]
    required = found.split(" of ")[1].split(" ")[0]
    assert found.startswith(f"{required} of {required} listed placements found, 0 false known hits")
