"""`saferkit leaderboard`: rank evaluated submissions on one metric, one data set per board, with paired tests against the leader.

Why these rules:
- A board never mixes data sets: numbers measured on different test items are
  not comparable. The board keeps the data set most reports share (or the one
  named) and lists every other report as set apart, with the reason.
- Entries are grouped with the leader when a paired comparison on the same
  items cannot tell them apart (the paired bootstrap interval of leader minus
  entry includes 0; DeLong's p is shown for ROC-AUC). Overlapping separate
  intervals are not a test: two models can differ clearly while their
  intervals overlap, because they share the items' luck.
- Rows name exactly what was judged: team, name, version and the submission
  digest (two builds of `my-team 0.1.0` are two rows that can be told apart),
  the qualified state from a scorecard for exactly this report, and baselines
  as named rows.
- A round's board (`best_per_team`) keeps each team's best entry with the
  count of its entries: a team that submits ten times gets one row, not ten,
  and the leader group is tested on those best rows; baselines stay.
- The qualified state comes from a `qualify` function when one is given: a
  round verifies the scorecard's signature chain with the hub's registry
  (rounds sit above the hub; evaluation sits below it and only reads JSON).
"""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from saferkit.core.atomic import write_text_atomic
from saferkit.core.errors import UserError
from saferkit.core.jsonfile import read_json_document
from saferkit.evaluation.bootstrap import BootstrapPlan
from saferkit.evaluation.claims import measured_metric
from saferkit.evaluation.paired import PairedBootstrap
from saferkit.evaluation.ranking import HEADLINE_METRICS
from saferkit.evaluation.report import Report, read_report
from saferkit.evaluation.report_files import SCORES_CSV

LOWER_IS_BETTER = frozenset({"fpr_at_recall_0.95", "brier", "ece", "max_equalized_odds_difference", "max_demographic_parity_difference"})
QUALIFIED = "qualified"
SCORECARD_FILE = "scorecard.json"  # the name ethics writes (docs/CONTRACTS.md); evaluation sits below ethics, so it is read here as JSON
TIE_BREAK = "roc_auc"
SIDE_COLUMNS = ("worst_group_recall", "max_equalized_odds_difference", "max_auc_drop")


@dataclass
class Entry:
    """One report on the board, with what it was measured on and its per-item scores when the report kept them."""

    report: Report
    source: str
    baseline: str | None
    scores: dict[str, tuple[int, float]] | None
    qualified: dict[str, Any]
    team: str | None = None
    submissions: int = 1

    @property
    def data_key(self) -> str:
        return f"{self.report.provenance_sha256}:{self.report.data['data']['n']}"


@dataclass
class Board:
    """One data set's ranking: rows in rank order, and the reports set apart from it with the reason."""

    metric: str
    data_provenance_sha256: str | None
    n_items: int | None
    rows: list[dict[str, Any]]
    set_apart: list[dict[str, str]] = field(default_factory=list)
    paired: bool = False
    plan: BootstrapPlan | None = None


def _scores(folder: Path) -> dict[str, tuple[int, float]] | None:
    table = folder / SCORES_CSV
    if not table.is_file():
        return None
    with open(table, newline="", encoding="utf-8") as handle:
        return {row["path"]: (int(row["flag"]), float(row["score"])) for row in csv.DictReader(handle)}


def _qualified(folder: Path, report: Report) -> dict[str, Any]:
    """The scorecard beside the report, when it judged exactly this report and submission; else 'not checked'."""
    path = folder / SCORECARD_FILE
    if not path.is_file():
        return {"state": "not checked", "profile": None}
    card = read_json_document(path, what="scorecard", default_name=SCORECARD_FILE, remedy="write it again with `saferkit ethics check`").data
    if card.get("report_sha256") != report.sha256 or card.get("submission_sha256") != report.submission_sha256:
        return {"state": "not checked", "profile": None, "note": f"{path} judged another report or submission"}
    return {"state": "qualified" if card.get("qualified") is True else "not qualified", "profile": card.get("profile")}


Qualify = Callable[[Path, Report], dict[str, Any]]  # (report folder, report) -> {"state", "profile", ...}


def _entry(path: str | Path, baseline: str | None, qualify: Qualify | None = None, team: str | None = None) -> Entry:
    report = read_report(path)
    folder = Path(report.source).parent
    qualified = (qualify or _qualified)(folder, report)
    return Entry(report, str(path), baseline, _scores(folder), qualified, team or report.data["submission"].get("team"))


def _best_per_team(ranked: list[Entry]) -> list[Entry]:
    """Each team's first (best) entry in rank order, with how many entries the team has; baselines all stay."""
    best: dict[str, Entry] = {}
    kept: list[Entry] = []
    for entry in ranked:
        if entry.baseline is not None or entry.team is None:
            kept.append(entry)
            continue
        if entry.team in best:
            best[entry.team].submissions += 1
            continue
        best[entry.team] = entry
        kept.append(entry)
    return kept


def _value(entry: Entry, metric: str) -> dict[str, Any] | None:
    if metric == QUALIFIED:
        return {"value": {"qualified": 1.0, "not qualified": 0.0}.get(entry.qualified["state"]), "ci_low": None, "ci_high": None}
    return measured_metric(entry.report.data, metric)


def _pick_data_set(entries: list[Entry], data_provenance: str | None) -> tuple[list[Entry], list[dict[str, str]], str]:
    keys = [e.data_key for e in entries]
    if data_provenance:
        chosen = [k for k in keys if k.startswith(data_provenance)]
        if not chosen:
            raise UserError(f"no report was measured on data set {data_provenance}; the reports' data sets: "
                            f"{', '.join(sorted({k.split(':')[0][:12] for k in keys}))}.")
        key = chosen[0]
    else:
        key = max(sorted(set(keys)), key=keys.count)
    kept = [e for e in entries if e.data_key == key]
    apart = [{"report": e.source, "reason": f"measured on another data set (provenance {e.report.provenance_sha256[:12]}, "
              f"{e.report.data['data']['n']} items) than this board's ({key.split(':')[0][:12]}, {key.split(':')[1]} items)"}
             for e in entries if e.data_key != key]
    return kept, apart, key


def build_board(report_paths: list[str | Path], metric: str = "roc_auc", baselines: dict[str, str | Path] | None = None,
                data_provenance: str | None = None, resamples: int = 1000, seed: int = 0, *, best_per_team: bool = False,
                teams: dict[str, str] | None = None, qualify: Qualify | None = None) -> Board:
    """The board of one data set: rank, group with the leader by paired test, identity, qualified state, side columns.

    `teams` maps a report path (as given) to the team that submitted it (a round knows it from the team's key);
    `best_per_team` keeps each team's best entry (counting the others); `qualify` replaces the plain scorecard read.
    """
    baselines = baselines or {}
    teams = teams or {}
    if not report_paths and not baselines:
        raise UserError("no reports given; pass one or more report folders or report.json files.")
    entries = [_entry(p, None, qualify, teams.get(str(p))) for p in report_paths] + [_entry(p, name, qualify) for name, p in baselines.items()]
    for entry in entries:
        if _value(entry, metric) is None:
            raise UserError(f"metric {metric!r} is not in {entry.source}; use a headline metric such as roc_auc, pr_auc or "
                            "wss_at_recall_0.95, or `qualified`.")
    kept, apart, key = _pick_data_set(entries, data_provenance)
    reverse = metric not in LOWER_IS_BETTER

    def sort_key(e: Entry) -> tuple[float, float]:
        value = _value(e, metric)["value"]  # type: ignore[index]
        tie = (measured_metric(e.report.data, TIE_BREAK) or {}).get("value") if metric == QUALIFIED else None
        primary = value if reverse else -value
        return (primary, tie if tie is not None else -np.inf)

    estimable = sorted([e for e in kept if _value(e, metric)["value"] is not None], key=sort_key, reverse=True)  # type: ignore[index]
    missing = [e for e in kept if _value(e, metric)["value"] is None]  # type: ignore[index]
    if best_per_team:
        estimable = _best_per_team(estimable)
        missing = _best_per_team(missing)
        scored = {e.team for e in estimable if e.baseline is None}
        missing = [e for e in missing if e.baseline is not None or e.team not in scored]
    board = Board(metric, key.split(":")[0], int(key.split(":")[1]), [], apart)
    tests = _leader_tests(estimable, metric, resamples, seed, board)
    for position, entry in enumerate(estimable):
        test = tests.get(id(entry))
        with_leader = True if position == 0 else (None if test is None else not test["distinguishable"])
        board.rows.append(_row(entry, metric, 1 if with_leader else position + 1, with_leader, test))
    board.rows += [_row(e, metric, None, None, None) for e in missing]
    return board


def _leader_tests(ranked: list[Entry], metric: str, resamples: int, seed: int, board: Board) -> dict[int, dict[str, Any]]:
    """Paired comparison of the leader with every entry whose per-item scores cover the same items."""
    if len(ranked) < 2 or metric not in HEADLINE_METRICS or ranked[0].scores is None:
        return {}
    leader = ranked[0].scores
    paths = sorted(leader)
    labels = np.array([leader[p][0] for p in paths])
    plan = BootstrapPlan(resamples, seed)
    shared = PairedBootstrap(labels, plan)
    leader_scores = np.array([leader[p][1] for p in paths])
    out = {}
    for entry in ranked[1:]:
        if entry.scores is None or set(entry.scores) != set(paths):
            continue
        other = np.array([entry.scores[p][1] for p in paths])
        result = shared.compare(leader_scores, other, metric) if metric not in LOWER_IS_BETTER else shared.compare(other, leader_scores, metric)
        out[id(entry)] = result.to_json()
    board.paired, board.plan = bool(out), plan
    return out


def _row(entry: Entry, metric: str, rank: int | None, with_leader: bool | None, test: dict[str, Any] | None) -> dict[str, Any]:
    report = entry.report.data
    bias = report["bias"]
    robustness = report.get("robustness") or {}
    sub = report["submission"]
    return {
        "rank": rank,
        "with_leader": with_leader,
        "vs_leader": test,
        "baseline": entry.baseline,
        "team": sub.get("team"),
        "submitted_by": entry.team,  # who submitted: the round's team (its key), else the manifest's team
        "submissions": entry.submissions,
        "name": sub["name"],
        "version": sub["version"],
        "sha256": sub["sha256"],
        "qualified": entry.qualified,
        "metric": _value(entry, metric),
        "worst_group_recall": bias.get("worst_group_recall"),
        "max_equalized_odds_difference": bias.get("max_equalized_odds_difference"),
        "max_auc_drop": robustness.get("max_auc_drop"),
        "data_provenance_sha256": report["data"]["provenance_sha256"],
        "report": entry.source,
    }


def build_leaderboard(report_paths: list[str | Path], metric: str = "roc_auc", baselines: dict[str, str | Path] | None = None,
                      data_provenance: str | None = None) -> list[dict[str, Any]]:
    """Rows of the board (see build_board), in rank order."""
    return build_board(report_paths, metric, baselines, data_provenance).rows


def _fmt(m: Any) -> str:
    if isinstance(m, (int, float)):
        return f"{m:.3f}"
    if not isinstance(m, dict) or m.get("value") is None:
        return "n/a"
    if m.get("ci_low") is None:
        return f"{m['value']:.3f}"
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


SIDE_HEADERS = {"worst_group_recall": "worst-group recall", "max_equalized_odds_difference": "max equalised-odds diff.",
                "max_auc_drop": "max AUC drop (robustness)"}


def _side_columns(metric: str) -> list[str]:
    return [c for c in SIDE_COLUMNS if c != metric]


Translate = Callable[[str], str]  # English text (a template for those with {fields}) -> the reader's language


def _same(text: str) -> str:
    return text


# The board's words a page may translate (the round page does, from the hub's catalogues; msgctxt round_board_*).
BOARD_WORDS = {
    "rank": "rank", "entry": "entry", "sha256": "submission sha256", "qualified": "qualified", "not_qualified": "not qualified",
    "not_checked": "not checked", "qualified_ranked": "qualified (ranked)", "vs_leader": "leader minus entry (paired)",
    "worst_group_recall": SIDE_HEADERS["worst_group_recall"], "max_eod": SIDE_HEADERS["max_equalized_odds_difference"],
    "max_auc_drop": SIDE_HEADERS["max_auc_drop"], "leader": "leader", "with_leader": "(with the leader)",
    "not_tested": "not tested (no per-item scores on the same items)", "best_of": "best of {n}", "baseline": "baseline",
    "data_set": "Data set: provenance {provenance}, {n} test items. A board never mixes data sets.",
    "rank_one": "Rank 1 holds the leader and every entry a paired test on the same items cannot tell from it "
                "(paired bootstrap interval of leader minus entry includes 0).",
}
STATE_WORDS = {"qualified": BOARD_WORDS["qualified"], "not qualified": BOARD_WORDS["not_qualified"], "not checked": BOARD_WORDS["not_checked"]}


def header(metric: str, tr: Translate = _same) -> list[str]:
    return [tr("rank"), tr("entry"), tr("submission sha256"), tr("qualified"), metric if metric != QUALIFIED else tr("qualified (ranked)"),
            tr("leader minus entry (paired)"), *[tr(SIDE_HEADERS[c]) for c in _side_columns(metric)]]


def _vs_leader(row: dict[str, Any], tr: Translate = _same) -> str:
    test = row["vs_leader"]
    if row["rank"] is not None and row["with_leader"] and test is None:
        return tr("leader")
    if test is None:
        return tr("not tested (no per-item scores on the same items)")
    low, high = test["ci_low"], test["ci_high"]
    text = f"{test['difference']:+.3f} [{'n/a' if low is None else f'{low:+.3f}'}, {'n/a' if high is None else f'{high:+.3f}'}]"
    if test.get("delong"):
        text += f", DeLong p {test['delong']['p_value']:.3g}"
    return text + (" " + tr("(with the leader)") if not test["distinguishable"] else "")


def cells(row: dict[str, Any], metric: str, tr: Translate = _same) -> list[str]:
    rank = "-" if row["rank"] is None else str(row["rank"])
    who = (f"{tr('baseline')}: {row['baseline']} ({row['name']} {row['version']})" if row["baseline"]
           else f"{row['team']} / {row['name']} {row['version']}")
    if not row["baseline"] and row.get("submissions", 1) > 1:
        who += " (" + tr("best of {n}").format(n=row["submissions"]) + ")"
    state = row["qualified"]["state"]
    qualified = tr(STATE_WORDS.get(state, state)) + (f" ({row['qualified']['profile']})" if row["qualified"].get("profile") else "")
    if row["qualified"].get("why"):
        qualified += f": {row['qualified']['why']}"
    metric_cell = qualified if metric == QUALIFIED else _fmt(row["metric"])
    return [rank, who, row["sha256"][:16], qualified, metric_cell, _vs_leader(row, tr), *[_fmt(row[c]) for c in _side_columns(metric)]]


def notes(board: Board, tr: Translate = _same) -> list[str]:
    lines = [tr(BOARD_WORDS["data_set"]).format(provenance=board.data_provenance_sha256, n=board.n_items), tr(BOARD_WORDS["rank_one"])]
    if board.plan is not None:
        lines.append(f"Paired bootstrap: {board.plan.resamples} label-stratified resamples, seed {board.plan.seed}; DeLong's test for ROC-AUC.")
    lines += [f"Set apart: {item['report']}: {item['reason']}." for item in board.set_apart]
    return lines


def render(board: Board, fmt: str) -> str:
    head = header(board.metric)
    body = [cells(r, board.metric) for r in board.rows]
    if fmt == "md":
        lines = [f"# Leaderboard: {board.metric}", "", *[f"- {n}" for n in notes(board)], ""]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c) + " |" for c in body]
        return "\n".join(lines) + "\n"
    return html_page(f"Leaderboard: {board.metric}", board_html(board))


def board_html(board: Board, tr: Translate = _same) -> str:
    """The board as an HTML fragment (notes and table), for a page of its own or the hub's round page (`tr` translates)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header(board.metric, tr))
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells(r, board.metric, tr)) + "</tr>" for r in board.rows)
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes(board, tr))
    return f"<ul>{items}</ul><table><tr>{head}</tr>{body}</table>"


def html_page(title: str, fragment: str) -> str:
    style = "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title><style>{style}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{fragment}</body></html>\n")


def write_leaderboard(report_paths: list[str | Path], out: str | Path, metric: str = "roc_auc", baselines: dict[str, str | Path] | None = None,
                      data_provenance: str | None = None) -> list[dict]:
    """Build and write the board as .html or .md (by the file's extension)."""
    out = Path(out)
    fmt = {".html": "html", ".htm": "html", ".md": "md"}.get(out.suffix.lower())
    if fmt is None:
        raise UserError(f"--out {out} must end in .html or .md.")
    board = build_board(report_paths, metric, baselines, data_provenance)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, render(board, fmt))
    return board.rows
