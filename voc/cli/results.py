"""`voc themes|segments|report|quarantine|export`: reading the published results (the command is `voc.cli.main`).

Every error is one line and a non-zero exit code (`voc.cli.common.friendly`).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from voc import store
from voc.cli.common import (DbOption, app, console, friendly, limit_option, print_json, sentiment_summary,
                             wrote)
from voc.errors import ConfigError
from voc.ingest.quarantine import QUARANTINE_SQL
from voc.outputs import missing_folder, report_path
from voc.pm import report, workflow
from voc.ranking import trends
from voc.ranking.rank import growth_text, needs_a_look
from voc.web.queries import data_until, so_far

export_app = typer.Typer(help="Export published results as CSV, Parquet or Excel (Unicode text).",
                         no_args_is_help=True)
app.add_typer(export_app, name="export")


@app.command()
@friendly
def themes(db: Path = DbOption, limit: int = limit_option(20, "themes"),
           as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
           since: Optional[str] = typer.Option(None, help="Show trends over a window up to the newest comment: "
                                                          "7d, 2w."),
           why: bool = typer.Option(False, "--why", help="Add the column that spells out each theme's priority.")):
    """Show the ranked themes of the last successful run, or with --since their recent trend.

    Example: voc themes --limit 10 --why      (or: voc themes --since 7d)
    """
    if since:
        return _recent(db, parse_window(since), limit, as_json)
    with store.open(db) as con:
        ov = report.overview(con)
    shown = ov.themes[:limit]
    if as_json:
        print_json(json.dumps(shown, default=str))
        return
    _needs_a_look(ov.themes)
    table = Table(title=f"Themes (run {ov.run_id}, {ov.comments} comments, {ov.unclustered_share:.1%} unclustered)")
    # Titles wrap at word boundaries and get the room; the priority's explanation is one flag away (and in the report).
    table.add_column("#", justify="right")
    table.add_column("id", justify="right")
    table.add_column("title (sub-themes)", ratio=3, min_width=24)
    for col in ("status", "size", "neg", "sent", "labeled", "CSAT", "NPS", "trend"):
        table.add_column(col, no_wrap=True)
    if why:
        table.add_column("why", ratio=2)
    for t in shown:
        csat = f"{t['mean_csat']:.1f}" if t["mean_csat"] is not None else "-"
        nps = f"{t['nps']:+.0f}" if t["nps"] is not None else "-"
        labeled = (t.get("share_human_label") or 0) + (t.get("share_score_label") or 0)
        subs = "".join(f"\n  · {s['title']} ({s['size']})" for s in t["sub_themes"][:SUBS_SHOWN])
        table.add_row(str(t["rank"]), str(t["theme_id"]), t["title"] + subs, t["status"],
                      str(t["size"]), f"{t['share_negative']:.0%}", f"{t['mean_sentiment']:+.2f}", f"{labeled:.0%}",
                      csat, nps, growth_text(t["volume_previous"], t["volume_current"], t["growth"]),
                      *([t["why"]] if why else []))
    console.print(table)
    console.print(f"sentiment: {sentiment_summary(ov.stats)}; labeled = share of a theme's comments "
                  "labeled by a person or by CSAT/NPS", highlight=False)


def _needs_a_look(themes: list[dict]) -> None:
    """The emerging and spiking themes first, whatever their rank: a new problem starts small."""
    attention = needs_a_look(themes)
    if attention:
        console.print("new or spiking, whatever their rank:", highlight=False)
    for t in attention:
        flags = t["flags"] or " and ".join(f for f in ("emerging", "spike") if t.get(f))
        console.print(f"  #{t['rank']} (id {t['theme_id']}) {t['title']}: {flags}", highlight=False)


def parse_window(text: str) -> int:
    """'7d' -> 7 days, '2w' -> 14 days."""
    unit = text[-1:].lower()
    if unit in ("d", "w") and text[:-1].isdigit() and int(text[:-1]) > 0:
        return int(text[:-1]) * (7 if unit == "w" else 1)
    raise ConfigError(f"cannot read the window {text!r}: write a number of days or weeks such as 7d or 2w")


SUBS_SHOWN = 4  # sub-themes listed under a theme in `voc themes`
SPARK = "▁▂▃▄▅▆▇█"


def _sparkline(counts: list[int]) -> str:
    top = max(counts) or 1
    return "".join(SPARK[min(len(SPARK) - 1, round(c / top * (len(SPARK) - 1)))] for c in counts)


def _recent(db: Path, days: int, limit: int, as_json: bool) -> None:
    with store.open(db) as con:
        report.overview(con, limit=1)  # a clear error when nothing is published yet
        as_of, rows = trends.recent(con, days)
        partial = so_far(date.fromisoformat(as_of), "day", data_until(con)) if as_of else None
    rows = rows[:limit]
    if as_json:
        print_json(json.dumps([r.__dict__ for r in rows], default=str))
        return
    last_day = f"; the last day {partial}, not over yet" if partial else ""  # its sparkline bar is not a drop
    table = Table(title=f"Themes over the {days} days up to {as_of} (spiking and emerging first{last_day})")
    for col in ("id", "title", "status", "volume", "before", "per day", "sent", "flags"):
        table.add_column(col, overflow="fold")
    for r in rows:
        flags = " ".join(f for f, on in (("EMERGING", r.emerging), ("SPIKE", r.spike)) if on)
        table.add_row(str(r.theme_id), r.title, r.status, str(r.volume), str(r.volume_before), _sparkline(r.daily),
                      "-" if r.mean_sentiment is None else f"{r.mean_sentiment:+.2f}", flags)
    console.print(table)


@app.command()
@friendly
def segments(db: Path = DbOption, by: str = typer.Option("channel", help="channel, product, team or language."),
             theme: Optional[int] = typer.Option(None, help="Only this theme id."),
             limit: int = limit_option(60, "rows")):
    """Volumes and sentiment per theme, broken down by one dimension of the comments.

    Example: voc segments --by team --theme 3
    """
    if by not in trends.SEGMENT_DIMENSIONS:
        raise ConfigError(f"cannot break down by {by!r}: choose {', '.join(trends.SEGMENT_DIMENSIONS)}")
    with store.open(db) as con:
        report.overview(con, limit=1)
        if theme is not None:
            workflow.title(con, theme)  # the one error for a theme id the published run does not have
        rows = con.execute(f"SELECT * FROM ({trends.SEGMENTS_SQL}) WHERE dimension = ? AND (? IS NULL OR theme_id = ?) "
                           "LIMIT ?", [by, theme, theme, limit]).fetchall()
    table = Table(title=f"Themes by {by}")
    for col in ("id", "title", by, "volume", "sent", "neg", "CSAT", "NPS"):
        table.add_column(col, overflow="fold")
    for theme_id, title, _, value, volume, sent, neg, csat, nps in rows:
        table.add_row(str(theme_id), title, value, str(volume), f"{sent:+.2f}", f"{neg:.0%}",
                      f"{csat:.1f}" if csat is not None else "-", f"{nps:+.0f}" if nps is not None else "-")
    console.print(table)


EXPORT_HELP = {
    "themes": "Export the ranked themes with their status.\n\n    "
              "Example: voc export themes --format parquet --out themes.parquet"
              "\n\n    For Excel: voc export themes --format excel --out themes.txt",
    "trends": "Export volume, sentiment, CSAT and NPS per theme per day and per week.\n\n    "
              "Example: voc export trends --format parquet --out trends.parquet",
    "segments": "Export volume and sentiment per theme and channel, product, team and language.\n\n    "
                "Example: voc export segments --format csv --out segments.csv",
    "subthemes": "Export the sub-themes beneath each theme.\n\n    "
                 "Example: voc export subthemes --format csv --out subthemes.csv",
    "assignments": "Export one row per comment: comment_id, theme_id, theme_title, subtheme_id, subtheme_title "
                   "(ids -1 = unclustered), sentiment, sentiment_score, sentiment_origin (human, score, model or "
                   "lexicon) and source (the source name).\n\n    "
                   "Example: voc export assignments --format csv --out assignments.csv",
}


def _export_command(what: str):
    def command(out: Path = typer.Option(..., help="Output file; - for standard output."), db: Path = DbOption,
                format_: str = typer.Option("csv", "--format", help="csv (UTF-8), excel (UTF-16 text with tabs, "
                                                                    "opens right in Excel) or parquet")):
        _export(what, format_, out, db)
    command.__doc__ = EXPORT_HELP[what]
    export_app.command(what)(friendly(command))


for _what in EXPORT_HELP:
    _export_command(_what)


EXCEL_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")  # what Excel expects to be a workbook, which voc does not write


def _export(what: str, fmt: str, out: Path, db: Path) -> None:
    if fmt in report.FORMATS and Path(out).suffix.lower() in EXCEL_WORKBOOK_SUFFIXES:
        raise ConfigError(f"--out {out}: voc writes no Excel workbook, and Excel warns when a {Path(out).suffix} file "
                          f"is not one; for Excel use --format excel --out {Path(out).with_suffix('.txt')} "
                          "(Unicode text, which Excel opens as it is)")
    created = missing_folder(out)
    with store.open(db) as con:
        n = report.export(con, what, fmt, out, db)
    wrote(out, f"{n} {what}", created)


@app.command("report")
@friendly
def html_report(out: Optional[Path] = typer.Option(None, help="Output HTML file; - for standard output (default: "
                                                              "the one `voc run` writes, beside the store and named "
                                                              "after it: data/voc.duckdb -> data/voc.report.html)."),
                db: Path = DbOption):
    """Write a self-contained HTML report of the ranked themes.

    Example: voc report --out report.html
    """
    out = out or report_path(db)
    created = missing_folder(out)
    report.write_report(db, out)
    wrote(out, "the report", created)


@app.command()
@friendly
def quarantine(db: Path = DbOption, limit: int = limit_option(50, "rows"),
               resolved: bool = typer.Option(False, "--resolved", help="List the resolved rows instead: those whose "
                                             "comment a later run stored (the file fixed, a mapping added).")):
    """List quarantined input rows with the reason each was refused: the open ones (their comment is not stored).

    Example: voc quarantine --limit 20      (or: voc quarantine --resolved)
    """
    with store.open(db) as con:
        rows = con.execute(f"SELECT run_id, source, reason, resolved_run_id FROM ({QUARANTINE_SQL}) "
                           f"WHERE resolved_run_id IS {'NOT ' if resolved else ''}NULL "
                           "ORDER BY run_id DESC, source, row_number LIMIT ?", [limit]).fetchall()
        n_resolved = store.scalar(con, f"SELECT count(*) FROM ({QUARANTINE_SQL}) WHERE resolved_run_id IS NOT NULL")
    if not rows:  # one line, not a table of headers
        console.print("no resolved rows: no quarantined row's comment was stored by a later run" if resolved
                      else "no open quarantined rows", highlight=False)
    else:
        _quarantine_table(rows, resolved)
    if n_resolved and not resolved:
        console.print(f"{n_resolved} quarantined row(s) not listed: a later run stored their comment (the file "
                      f"fixed, a mapping added); see them with voc quarantine --resolved --db {db}", highlight=False,
                      soft_wrap=True)


def _quarantine_table(rows: list[tuple], resolved: bool) -> None:
    table = Table(title="Quarantined rows, resolved by a later run" if resolved else "Quarantined rows")
    for col in ("run", "source", "reason", *(["stored by run"] if resolved else [])):
        table.add_column(col, overflow="fold")
    for run_id, source, reason, resolved_by in rows:
        table.add_row(str(run_id), source, reason, *([str(resolved_by)] if resolved else []))
    console.print(table)
