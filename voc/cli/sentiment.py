"""`voc sentiment set|show` (PM corrections) and `voc runs` (each run's mode, model and sentiment method)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from voc import store
from voc.cli.common import (DbOption, app, console, friendly, limit_option, model_shown, print_json, run_error,
                            sentiment_summary)
from voc.pm.corrections import set_correction

sentiment_app = typer.Typer(help="Sentiment labels: correct a comment's label; the next run learns from it.",
                            no_args_is_help=True)
app.add_typer(sentiment_app, name="sentiment")


@sentiment_app.command("set")
@friendly
def set_label(comment_id: str = typer.Argument(..., help="The comment's id, as in the source's comment_id column."),
              label: str = typer.Argument(..., help="negative, neutral or positive."),
              by: str = typer.Option(..., "--by", help="Who makes the correction."),
              source: Optional[str] = typer.Option(None, help="The source name, when the id exists in several."),
              db: Path = DbOption):
    """Correct one comment's sentiment. Shown at once, never overwritten by a run, and learned from.

    Example: voc sentiment set C-1042 negative --by anna
    """
    with store.open(db, write=True) as con, store.transaction(con):
        c = set_correction(con, comment_id, label, by, source)
    was = f" (was {c.previous})" if c.previous else ""
    console.print(f"comment {c.comment_id} in {c.source}: {c.label}{was}; "
                  "the next run learns from it", highlight=False)


@sentiment_app.command("show")
@friendly
def show(db: Path = DbOption, limit: int = limit_option(50, "corrections"),
         comment: Optional[str] = typer.Option(None, "--comment", help="Only the corrections of this comment id.")):
    """List PM corrections, newest first, each with who made it and the label before (replaced ones too).

    Example: voc sentiment show --limit 20      (or: voc sentiment show --comment C-1042)
    """
    with store.open(db) as con:
        rows = con.execute("SELECT source, comment_id, label, previous, set_by, set_at "
                           "FROM sentiment_correction_history WHERE ? IS NULL OR comment_id = ? "
                           "ORDER BY set_at DESC, rowid DESC LIMIT ?", [comment, comment, limit]).fetchall()
    if not rows:  # one line, not a table of headers
        console.print(f"no corrections for {comment}" if comment is not None else "no corrections yet",
                      highlight=False)
        return
    table = Table(title="Sentiment corrections")
    for col in ("source", "comment", "label", "was", "by", "at"):
        table.add_column(col, overflow="fold")
    for src, cid, label, prev, by, at in rows:
        table.add_row(src, cid, label, prev or "-", by, str(at)[:16])
    console.print(table)

PROCESS_GONE = "its process is gone (killed, or the machine stopped): the next run records it failed"


@app.command()
@friendly
def runs(db: Path = DbOption, limit: int = limit_option(20, "runs"),
         as_json: bool = typer.Option(False, "--json", help="Print JSON.")):
    """List runs, newest first: duration, status, mode, rows read and quarantined, model, themes, sentiment method.

    Example: voc runs --limit 5
    """
    with store.open(db) as con:
        rows = con.execute("SELECT run_id, started_at, status, mode, stats, error, finished_at FROM runs "
                           "ORDER BY run_id DESC LIMIT ?", [limit]).fetchall()
    gone = any(status == "running" for _, _, status, *_ in rows) and store.run_lock_free(db)
    if as_json:
        print_json(json.dumps([{"run_id": r, "started_at": str(s), "finished_at": str(f) if f else None,
                                "status": st, "mode": m, "stats": json.loads(x) if x else None, "error": e,
                                "process_gone": gone and st == "running"}
                               for r, s, st, m, x, e, f in rows]))
        return
    table = Table(title="Runs")
    for col in ("run", "started", "took", "status", "mode", "read", "quarantined", "model", "themes", "sentiment"):
        table.add_column(col, overflow="fold")
    for run_id, started, status, mode, stats, error, finished in rows:
        st = json.loads(stats) if stats else {}
        ingest = st.get("ingest") or {}
        took = f"{(finished - started).total_seconds():.0f} s" if finished else "-"
        if gone and status == "running":
            status = f"running? {PROCESS_GONE}"
        table.add_row(str(run_id), str(started)[:16], took, status if not error else f"{status}: {run_error(error)}",
                      mode or "-", str(ingest.get("rows_read", "-")), str(ingest.get("quarantined", "-")),
                      model_shown(st.get("embed")), str(st.get("themes", "-")), sentiment_summary(st))
    console.print(table)
