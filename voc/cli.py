"""The `voc` command. Sub-apps per noun; every error is one line and a non-zero exit code."""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from voc import report, store
from voc.config import DEFAULT_DB
from voc.errors import VocError

app = typer.Typer(help="voc: turn agent-captured customer comments into ranked themes.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
export_app = typer.Typer(help="Export published results as CSV or Parquet.", no_args_is_help=True)
app.add_typer(export_app, name="export")
console = Console()
err = Console(stderr=True)

DbOption = typer.Option(DEFAULT_DB, "--db", help="The voc DuckDB file.", envvar="VOC_DB")


def friendly(fn):
    """Turn voc's named errors into one clear line and the error's exit code."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except VocError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
    return wrapper


@app.command()
@friendly
def run(source: Path = typer.Option(..., "--source", "-s", help="CSV/JSONL/Parquet file, a folder of them, or a DuckDB file."),
        db: Path = DbOption,
        table: Optional[str] = typer.Option(None, help="Table to read when --source is a DuckDB file."),
        query: Optional[str] = typer.Option(None, help="SQL query to read when --source is a DuckDB file."),
        map_: Optional[list[str]] = typer.Option(None, "--map", help="FIELD=COLUMN, e.g. --map text=comment_body. Repeatable."),
        source_name: Optional[str] = typer.Option(None, help="Name comments are filed under (default: file or folder name)."),
        model: Optional[str] = typer.Option(None, help="Embedding model: use (default), minilm, minilm+use or a sentence-transformers name/path."),
        encoding: str = typer.Option("utf-8", help="Text encoding of CSV/JSONL files.")):
    """Ingest a source and run the whole pipeline (a Prefect flow run).

    Example: voc run --source exports/comments.csv --map text=comment_body
    """
    from flows.nightly import nightly

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    summary = nightly(str(source), str(db), model, table, query, map_, source_name, encoding, show_progress=True)
    _print_summary(summary)


def _print_summary(summary: dict) -> None:
    ing = summary["ingest"]
    console.print(f"run {summary['run_id']}: read {ing['rows_read']} rows, {ing['new']} new, "
                  f"{ing['already_known']} already known, {ing['quarantined']} quarantined")
    for reason in ing["quarantine_reasons"][:5]:
        console.print(f"  quarantined: {reason}", highlight=False, soft_wrap=True)
    if ing["redactions"]:
        console.print("  redacted: " + ", ".join(f"{v} {k}" for k, v in ing["redactions"].items()))
    emb = summary["embed"]
    console.print(f"embedded {emb['encoded']} new texts ({emb['cache_hits']} from cache) with {emb['model']}")
    console.print(f"{summary['themes']} themes over {summary['comments_clustered']} comments; "
                  f"{summary['unclustered']} ({summary['unclustered_share']:.1%}) unclustered")


@app.command()
@friendly
def themes(db: Path = DbOption, limit: int = typer.Option(20, help="How many themes to show."),
           as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")):
    """Show the ranked themes of the last successful run.

    Example: voc themes --limit 10
    """
    con = store.connect(db, read_only=True)
    try:
        ov = report.overview(con, limit)
    finally:
        con.close()
    if as_json:
        console.print_json(json.dumps(ov.themes, default=str))
        return
    table = Table(title=f"Themes (run {ov.run_id}, {ov.comments} comments, {ov.unclustered_share:.1%} unclustered)")
    for col in ("#", "id", "title", "size", "neg", "sent", "CSAT", "trend", "why"):
        table.add_column(col, overflow="fold")
    for t in ov.themes:
        csat = f"{t['mean_csat']:.1f}" if t["mean_csat"] is not None else "-"
        table.add_row(str(t["rank"]), str(t["theme_id"]), t["title"], str(t["size"]), f"{t['share_negative']:.0%}",
                      f"{t['mean_sentiment']:+.2f}", csat, f"{t['growth']:+.0%}", t["why"])
    console.print(table)


@export_app.command("themes")
@friendly
def export_themes(out: Path = typer.Option(..., help="Output file."), db: Path = DbOption,
                  format_: str = typer.Option("csv", "--format", help="csv or parquet")):
    """Export the ranked themes.

    Example: voc export themes --format parquet --out themes.parquet
    """
    _export("themes", format_, out, db)


@export_app.command("assignments")
@friendly
def export_assignments(out: Path = typer.Option(..., help="Output file."), db: Path = DbOption,
                       format_: str = typer.Option("csv", "--format", help="csv or parquet")):
    """Export one row per comment: comment_id, theme_id (-1 = unclustered), theme_title, sentiment, sentiment_score.

    Example: voc export assignments --format csv --out assignments.csv
    """
    _export("assignments", format_, out, db)


def _export(what: str, fmt: str, out: Path, db: Path) -> None:
    con = store.connect(db, read_only=True)
    try:
        n = report.export(con, what, fmt, out)
    finally:
        con.close()
    console.print(f"wrote {n} {what} to {out}")


@app.command("report")
@friendly
def html_report(out: Path = typer.Option(Path("data/report.html"), help="Output HTML file."), db: Path = DbOption):
    """Write a self-contained HTML report of the ranked themes.

    Example: voc report --out report.html
    """
    con = store.connect(db, read_only=True)
    try:
        ov = report.overview(con)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.render_html(ov), encoding="utf-8")
    console.print(f"wrote {out}")


@app.command()
@friendly
def quarantine(db: Path = DbOption, limit: int = typer.Option(50, help="How many rows to show.")):
    """List quarantined input rows with the reason each was refused.

    Example: voc quarantine --limit 20
    """
    con = store.connect(db, read_only=True)
    try:
        rows = con.execute("SELECT run_id, source, reason FROM quarantine ORDER BY run_id DESC, source, row_number "
                           "LIMIT ?", [limit]).fetchall()
    finally:
        con.close()
    table = Table(title="Quarantined rows")
    for col in ("run", "source", "reason"):
        table.add_column(col, overflow="fold")
    for run_id, source, reason in rows:
        table.add_row(str(run_id), source, reason)
    console.print(table)


@app.command()
@friendly
def demo(db: Path = DbOption, out: Path = typer.Option(Path("data/report.html"), help="Where to write the HTML report.")):
    """Run the whole pipeline on the bundled demo data, show the themes, write the HTML report.

    Example: voc demo
    """
    from voc.demo import generate

    demo_file = Path("data/demo/comments.csv")
    if not demo_file.exists():
        demo_file = generate(Path("data/demo")).comments
    run(source=demo_file, db=db, table=None, query=None, map_=None, source_name="demo", model=None, encoding="utf-8")
    themes(db=db, limit=20, as_json=False)
    html_report(out=out, db=db)


if __name__ == "__main__":
    app()
