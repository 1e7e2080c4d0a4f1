"""The scorecard in a terminal: one line per criterion, its reason wrapped beneath it.

A table squeezes the reason into whatever width the id, kind and result columns
leave (a few characters at 80 columns); here the reason gets the full width, so
`ethics check` stays readable in a narrow terminal or a CI log.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.padding import Padding
from rich.text import Text

RESULT_STYLE = {"pass": "green", "fail": "bold red", "insufficient-evidence": "yellow"}
RESULT_WORD = {"pass": "pass", "fail": "FAIL", "insufficient-evidence": "insufficient"}


def criteria_view(card: dict[str, Any], title: str) -> Group:
    """Every criterion of a scorecard: result, id, whether required, and why (indented, wrapped)."""
    parts: list[Any] = [Text(title, style="bold")]
    for row in card["criteria"]:
        head = Text()
        head.append(f"{RESULT_WORD[row['result']]:<13}", style=RESULT_STYLE[row['result']])
        head.append(row["id"])
        head.append(f"  ({row['kind']}{', required' if row['required'] else ''})", style="dim")
        parts.append(head)
        if row["result"] != "pass" or row["kind"] == "automatic":
            parts.append(Padding(Text(row["why"], overflow="fold"), (0, 0, 0, 13)))
    return Group(*parts)
