"""The `voc` console script: the library's commands (`voc.cli.main`) plus the two that start the Prefect flow.

`voc run` and `voc demo` live here, beside the flow they start, so the library never imports `flows`.
A voc error raised inside a flow run is shown once, as one line (`voc.cli.common.friendly`); Prefect's
own log of it is kept to that line too (`quiet_prefect_tracebacks`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Optional

import typer

# The temporary Prefect API that `voc run` starts for itself has no one to report usage to; its telemetry
# heartbeat only competes for the API's SQLite file and logs a traceback when it loses.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from flows.api_server import start_temporary_api  # noqa: E402
from flows.summary import SUMMARY  # noqa: E402
from flows.prefect_logs import quiet_prefect_tracebacks  # noqa: E402
from voc.cli.common import PIPE_CLOSED, DbOption, console, friendly  # noqa: E402
from voc.cli.main import app  # noqa: E402
from voc.cli.results import themes  # noqa: E402
from voc.agents.notify import Channels  # noqa: E402
from voc.config import Settings  # noqa: E402
from voc.embedding.models import check_model  # noqa: E402
from voc.ingest import options as source_options  # noqa: E402
from voc.ingest import naming  # noqa: E402
from voc.ingest.read import DEFAULT_SOURCE_NAME  # noqa: E402
from voc.shutdown import exit_now, stopped_before_start  # noqa: E402

log = logging.getLogger("voc")


class _SummaryPrinted(logging.Handler):
    """The run summary's lines (`SUMMARY`) on standard output as the flow logs them: what was read as soon as
    ingest ends, the themes when the run publishes. When the reader closes standard output (`voc run | head -1`),
    the run goes on unseen (`reader_left`): a closed pipe must not fail the night or skip its publish."""

    def __init__(self) -> None:
        super().__init__()
        self.reader_left = False

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, SUMMARY, False) and not self.reader_left:
            try:
                console.print(record.getMessage(), highlight=False, soft_wrap=True)
            except typer.Exit:  # `reader_gone`: the rest of the output already goes to /dev/null
                self.reader_left = True


def print_summary_as_logged() -> _SummaryPrinted:
    flow_log = logging.getLogger("prefect.flow_runs")
    for old in [h for h in flow_log.handlers if isinstance(h, _SummaryPrinted)]:
        flow_log.removeHandler(old)
    printed = _SummaryPrinted()
    flow_log.addHandler(printed)
    return printed


class _PrefectChatterHidden(logging.Filter):
    """Prefect's INFO lines on the terminal (the temporary API starting and stopping, with a link to its docs, and
    each flow and task run beginning and finishing: ~15 a night) and its EventsWorker's "Still processing items"
    warnings while it flushes on the way out give a voc user nothing to act on. Without --verbose the terminal shows
    Prefect's warnings and errors only; voc's own lines stay, and the Prefect API (a server's UI) still gets every
    log, since this filters the terminal's handler, not the loggers. The run summary the flow logs (`SUMMARY`) is
    kept off the terminal even with --verbose: `_SummaryPrinted` prints it."""

    def __init__(self, verbose: bool = False):
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, SUMMARY, False):
            return False
        if self.verbose:
            return True
        if record.name == "EventsWorker":
            return record.levelno >= logging.ERROR
        return record.levelno >= logging.WARNING or not record.name.startswith("prefect")


def prefect_console(verbose: bool) -> None:
    """Hide Prefect's chatter from the terminal (`_PrefectChatterHidden`) for the rest of the process (the temporary
    API says it stops at exit), or show it all again with `verbose` (but the run summary, printed by `voc run`)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            for old in [f for f in handler.filters if isinstance(f, _PrefectChatterHidden)]:
                handler.removeFilter(old)
            handler.addFilter(_PrefectChatterHidden(verbose))


@app.command()
@friendly
def run(source: Path = typer.Option(..., "--source", "-s", help="CSV/JSONL/Parquet file, a folder of them, or a "
                                                                 "DuckDB file."),
        db: Path = DbOption,
        table: Optional[str] = typer.Option(None, help="Table to read when --source is a DuckDB file."),
        query: Optional[str] = typer.Option(None, help="A single SELECT to read when --source is a DuckDB file."),
        map_: Optional[list[str]] = typer.Option(None, "--map", help="FIELD=COLUMN, e.g. --map text=comment_body. "
                                                                     "Repeatable."),
        source_name: Optional[str] = typer.Option(None, help="Name the comments are filed under: comment ids are "
                                                  "unique per source name (default: 'default'; give each source "
                                                  "system its own)."),
        model: Optional[str] = typer.Option(None, help="Embedding model: auto (default: by the comments' language "
                                            "mix), use, minilm-int8, minilm, two joined by + (minilm-int8+use), or "
                                            "the folder of a local sentence-transformers model."),
        encoding: Optional[str] = typer.Option(None, help="Text encoding of CSV/JSONL files (default utf-8; a "
                                               "byte-order mark wins)."),
        delimiter: Optional[str] = typer.Option(None, help="CSV delimiter (default: sniffed from , ; tab |)."),
        date_order: Optional[str] = typer.Option(None, help="How 03/04/2026 is read: dmy (3 April, default) or mdy "
                                                 "(March 4)."),
        max_text_chars: Optional[int] = typer.Option(None, min=1, help="Embed at most this many characters of a "
                                                     "comment (longer ones are stored whole and marked; default "
                                                     "5000)."),
        full: bool = typer.Option(False, "--full", help="Re-cluster everything instead of an incremental night."),
        reread: bool = typer.Option(False, "--reread", help="Read the files imported before again (they are skipped "
                                    "when the same bytes were read the same way): rows that validate now are "
                                    "stored, their quarantined rows resolved; known comments stay as they are."),
        report: Optional[Path] = typer.Option(None, "--report", help="Where to write the HTML report (default: "
                                              "beside the store, named after it: data/voc.duckdb -> "
                                              "data/voc.report.html)."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's own log lines too (the "
                                     "temporary API, each flow and task run).")):
    """Ingest a source and run the pipeline: an incremental night when possible, else a full re-cluster.

    A Prefect flow run. An incremental night embeds and places only the new comments.

    It runs when the last run can be continued (same model, not --full); else the run re-clusters everything.

    Example: voc run --source exports/comments.csv --map text=comment_body --delimiter ";"
    """
    with stopped_before_start():  # a signal before the flow records its run: one line, not a silent exit
        # Imported here, not at the top: Prefect and the pipeline take ~3 s to import, which every other `voc`
        # command (and `voc --help`) should not pay.
        from flows.nightly import nightly

        check_model(Settings.from_env(model=model).model)  # a typo is refused before the source is read
        Channels.from_env()  # so are notification settings (VOC_WEBHOOK_URL, ...), not after the run has published
        source_options.check(source, table=table, query=query, delimiter=delimiter, encoding=encoding)
        source_name = naming.source_name(source_name, DEFAULT_SOURCE_NAME)  # refused before a run: it is a key
        log.setLevel(logging.INFO)  # voc's progress lines (`voc.progress`) when stderr is not a terminal
        quiet_prefect_tracebacks()
        prefect_console(verbose)
        printed = print_summary_as_logged()
        start_temporary_api()  # stopped however this process ends (`flows.api_server`)
        nightly(str(source), str(db), model, table, query, map_, source_name, encoding or "utf-8", show_progress=True,
                mode="full" if full else "auto", delimiter=delimiter, date_order=date_order,
                max_text_chars=max_text_chars, report=str(report) if report else None, reread=reread)
    if printed.reader_left:  # the run is done and published; the command ends as every voc command whose reader left
        raise typer.Exit(PIPE_CLOSED)


OLDER_DEMO_SOURCE = "demo"  # the source name `voc demo` filed the demo under before 2026-11-25


def demo_source_name(db: Path) -> str | None:
    """The source name `voc demo` files the demo under in `db`: the default (None), or OLDER_DEMO_SOURCE in a store an
    older `voc demo` made, so that running it again finds every comment known instead of importing them again."""
    if not db.exists():
        return None
    from voc import store

    with store.open(db) as con:
        older = store.scalar(con, "SELECT count(*) FROM comments WHERE source = ?", [OLDER_DEMO_SOURCE])
    return OLDER_DEMO_SOURCE if older else None


@app.command()
@friendly
def demo(db: Path = DbOption,
         out: Optional[Path] = typer.Option(None, help="Where to write the HTML report (default: beside the store, "
                                                       "named after it: data/voc.report.html).")):
    """Run the whole pipeline on the bundled demo data, show the themes, write the HTML report.

    Where ./data/demo/comments.csv is missing (outside a checkout of voc), it writes the demo data there first.

    Example: voc demo
    """
    from voc.demo import generate

    demo_file = Path("data/demo/comments.csv")
    if not demo_file.exists():
        demo_file = generate(Path("data/demo")).comments
    # under the default source name (but in an older demo's store): README's next command (`voc run --source
    # data/demo/comments.csv`, the prefect.yaml deployments) reads the same file as already imported instead of
    # importing every comment again
    run(source=demo_file, db=db, table=None, query=None, map_=None, source_name=demo_source_name(db), model=None,
        encoding=None, delimiter=None, date_order=None, max_text_chars=None, full=False, reread=False, report=out,
        verbose=False)
    themes(db=db, limit=20, as_json=False, since=None, why=False)


def main() -> None:
    """The console script: the command, then the end of the process without module teardown (`voc.shutdown`),
    with the command's exit code."""
    code = 0
    try:
        app()
    except SystemExit as exc:  # how Click ends every command, with its exit code
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    exit_now(code)


if __name__ == "__main__":
    main()
