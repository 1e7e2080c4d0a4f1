"""Scorecard files: scorecard.json for machines, scorecard.md and scorecard.html for people.

All three are written to temporary files beside their destinations and renamed
into place, so an interrupted run never leaves a partial scorecard.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.core.atomic import write_text_atomic
from saferkit.ethics.scorecard_file import SCORECARD_FILE

FILES = (SCORECARD_FILE, "scorecard.md", "scorecard.html")


def _grouped(card: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in card["criteria"]:
        groups.setdefault(row["principle"], []).append(row)
    return [(principle.replace("-", " ").capitalize(), rows) for principle, rows in groups.items()]


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(card: dict[str, Any]) -> str:
    """The scorecard as Markdown: verdict, hashes, then one table per principle."""
    verdict = "**QUALIFIED**" if card["qualified"] else "**NOT QUALIFIED**"
    counts = card["counts"]
    lines = [
        f"# Ethics scorecard: {card['submission']['name']} {card['submission']['version']}",
        "",
        f"{verdict}: {counts['pass']} pass, {counts['fail']} fail, {counts['insufficient-evidence']} insufficient evidence.",
    ]
    if not card["qualified"]:
        lines += ["", "Required criteria not passed: " + ", ".join(f"`{cid}`" for cid in card["blocking"]) + "."]
    lines += [
        "",
        "A submission qualifies only when every required criterion passes; missing evidence never passes.",
        "",
        f"- submission sha256: `{card['submission_sha256']}`",
        f"- report sha256: `{card['report_sha256']}`",
        f"- profile: `{card['profile']}`; review file: {card['review_used'] or 'none'}",
        f"- created {card['created']} by saferkit {card['saferkit_version']}",
    ]
    for principle, rows in _grouped(card):
        lines += ["", f"## {principle}", "", "| criterion | kind | required | result | evidence | why |", "|---|---|---|---|---|---|"]
        for row in rows:
            lines.append(
                f"| {_cell(row['title'])} (`{row['id']}`) | {row['kind']} | {'yes' if row['required'] else 'no'} "
                f"| **{row['result']}** | {_cell(row['evidence'])} | {_cell(row['why'])} |"
            )
    return "\n".join(lines) + "\n"


def render_html(card: dict[str, Any]) -> str:
    """The scorecard as one self-contained HTML page (no scripts, no external resources)."""
    import jinja2

    source = resources.files("saferkit.ethics").joinpath("templates", "scorecard.html.j2").read_text(encoding="utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(source).render(card=card, groups=_grouped(card))


def write_scorecard(card: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write the three scorecard files into `out_dir`; return their paths by name."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; pass a folder for the scorecard files.")
    out.mkdir(parents=True, exist_ok=True)
    texts = {
        SCORECARD_FILE: json.dumps(card, indent=2, ensure_ascii=False) + "\n",
        "scorecard.md": render_markdown(card),
        "scorecard.html": render_html(card),
    }
    paths = {}
    for name in FILES:
        paths[name] = out / name
        write_text_atomic(paths[name], texts[name])
    return paths
