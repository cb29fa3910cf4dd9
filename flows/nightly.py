"""The nightly voc flow: thin orchestration, every task calls one function in `voc`.

Retries only where I/O can fail transiently (reading the source, writing the
store). An "auto" night is incremental (only new comments are embedded and placed)
unless a full re-cluster is due; see `voc.themes.incremental`. No Prefect result caching:
the embedding cache lives in DuckDB, keyed by model id + text hash, so it survives
across nightly runs (Prefect's default cache key includes the flow run id, which
would make it useless there).

What Prefect keeps of a run holds no personal data: no task or flow result is persisted (`persist_result=False`;
Prefect would otherwise pickle a failed task's exception into $PREFECT_HOME/storage, one file per failure, never
cleaned; a failed flow returns its state, see `failed`), voc's errors are redacted when they are built
(`voc.errors`), so a failed state's message is too, and the flow run's parameters are recorded redacted
(`RedactedFlow`: a file name, a source name or a query's literals). A bug's exception (not a voc error) keeps its
own message in its task's state.

Run it with no server (a temporary local API starts by itself):
    python -m flows.nightly data/demo/comments.csv
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import NoReturn

from prefect import Flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.states import Failed, State
from prefect.utilities.annotations import quote

from flows.prefect_logs import voc_errors_on_one_line
from flows.summary import SUMMARY, notification_lines, read_lines, result_lines
from voc import pipeline, runs, store
from voc.agents.notify import Channels
from voc.config import Settings
from voc.corpus import Corpus
from voc.disk import on_disk
from voc.embedding.models import check_model
from voc.errors import StoreLockedError, VocError, clean_message
from voc.ingest.columns import parse_mapping
from voc.ingest.read import read_source
from voc.outputs import report_path
from voc.pm.report import write_report as write_report_file
from voc.progress import Stages, progress_bar
from voc.publish import publish as publish_run
from voc.shutdown import exit_now, run_began
from voc.themes.incremental import escalate


voc_errors_on_one_line()  # a worker loading this entrypoint logs a voc error as its line, without a traceback

TRANSIENT_OS_ERRORS = (TimeoutError, ConnectionError, InterruptedError, BlockingIOError)


def transient(task, task_run, state) -> bool:
    """Retry only I/O that may pass on a second try: a store another process holds, a share that timed out or
    dropped the connection. Never a voc error about the input, never a bug (TypeError, KeyError, ...)."""
    exc = state.result(raise_on_failure=False)
    return isinstance(exc, StoreLockedError) or isinstance(exc, TRANSIENT_OS_ERRORS)


def quoted(prefect_task):
    """Call a task with every argument wrapped in Prefect's `quote`. Otherwise Prefect walks each element of
    each argument looking for upstream futures: with a 100k-comment corpus passed to six tasks that cost
    ~45 s a night (measured), ten times the night's own work."""
    @functools.wraps(prefect_task)
    def call(*args, **kwargs):
        return prefect_task(*map(quote, args), **{k: quote(v) for k, v in kwargs.items()})
    return call


def disk_said(fn):
    """A task whose disk refuses a write (read-only, full) fails with one line (`voc.disk.on_disk`), not a traceback."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        with on_disk():
            return fn(*args, **kwargs)
    return call


def io_task(fn):
    return quoted(task(disk_said(fn), cache_policy=NONE, persist_result=False, retries=2, retry_delay_seconds=5,
                       retry_condition_fn=transient))


def compute_task(fn):
    return quoted(task(disk_said(fn), cache_policy=NONE, persist_result=False))


class RedactedFlow(Flow):
    """A flow whose parameters are recorded redacted in Prefect (its database, its UI): the run itself gets them as
    given. The source's path may name a customer (`Kunde_Meier.csv`), a query may quote one."""

    def serialize_parameters(self, parameters: dict) -> dict:
        return {k: redacted_parameter(v) for k, v in super().serialize_parameters(parameters).items()}


def redacted_parameter(value):
    """A serialized parameter with every text in it redacted and without control characters (a list: each item)."""
    if isinstance(value, str):
        return clean_message(value)
    return [redacted_parameter(v) for v in value] if isinstance(value, list) else value


@io_task
def read(source: str, table: str | None, query: str | None, mapping: list[str] | None, name: str | None,
         encoding: str, delimiter: str | None):
    return read_source(Path(source), parse_mapping(mapping), table, query, name, encoding, delimiter)


@compute_task
def embed(settings: Settings, corpus: Corpus, rows, model: str, boilerplate, show_progress: bool):
    with progress_bar("embedding", show_progress) as callback:
        return pipeline.embed(settings, corpus, rows, boilerplate, callback, model)


start_run = io_task(runs.start_run)
ingest = io_task(pipeline.ingest)
load_corpus = io_task(pipeline.load_corpus)
plan = io_task(pipeline.plan)
assign = compute_task(pipeline.assign)
cluster = compute_task(pipeline.cluster)
identify = compute_task(pipeline.identify)
score = compute_task(pipeline.score)
rank = compute_task(pipeline.rank)
publish = io_task(publish_run)
write_report = io_task(write_report_file)


@compute_task  # no task retries: `deliver` retries each digest itself and keeps failures queued
def notify(settings: Settings, channels: Channels) -> dict:
    return pipeline.notify(settings, channels)


@functools.partial(RedactedFlow, name="voc-nightly", persist_result=False)  # @flow(...), recorded redacted
def nightly(source: str, db: str = "data/voc.duckdb", model: str | None = None, table: str | None = None,
            query: str | None = None, mapping: list[str] | None = None, source_name: str | None = None,
            encoding: str = "utf-8", show_progress: bool = False, mode: str = "auto", delimiter: str | None = None,
            date_order: str | None = None, max_text_chars: int | None = None, report: str | None = None,
            reread: bool = False) -> dict:
    """Ingest, then an incremental night or a full re-cluster (mode: auto | full | incremental), rank, publish.
    `reread`: read the files imported before (same bytes read the same way) again instead of skipping them.
    One run per store at a time (`store.run_lock`); a failed run is recorded and publishes nothing.
    Then writes the HTML report (`report`, default `<store stem>.report.html` beside the store, see
    `voc.outputs.report_path`) and sends notifications."""
    settings = Settings.from_env(db=Path(db), model=model, date_order=date_order, max_text_chars=max_text_chars)
    check_model(settings.model)
    channels = Channels.from_env()  # refused now, not after an hour's run has published (VOC_WEBHOOK_URL, ...)
    with store.run_lock(settings.db):
        run_id = start_run(settings, runs.source_label(Path(source), table, query), mode)
        run_began()  # a signal from here is the run's: "interrupted during ..." (`voc.runs.ended_by`)
        stages = Stages("reading the source")
        try:
            batch = read(source, table, query, mapping, source_name, encoding, delimiter)
            ingested = ingest(settings, run_id, batch, reread)
            say(read_lines(run_id, ingested, settings.db))
            stages.begin("planning the night")
            corpus = load_corpus(settings)
            night = plan(settings, corpus, mode)
            if night.mode == "incremental":
                stages.begin("embedding", said=False)  # its own progress bar
                corpus, embedded = embed(settings, corpus, night.pool, night.model, night.boilerplate, show_progress)
                stages.begin("placing new comments")
                themes = assign(settings, corpus, night, embedded["stats"]["assign_threshold"])
                night = escalate(settings, night, themes, corpus)
            if night.mode == "full":
                stages.begin("embedding", said=False)
                corpus, embedded = embed(settings, corpus, night.pool, night.model, night.boilerplate, show_progress)
                stages.begin("clustering", len(corpus))
                clusters = cluster(settings, corpus, embedded["stats"]["assign_threshold"])
                stages.begin("titles")
                themes = identify(settings, corpus, clusters, night)
            stages.begin("sentiment", len(corpus))
            sentiment = score(settings, corpus, embedded, night)
            stats = {"run_id": run_id, "reason": night.reason, "ingest": ingested, "embed": embedded["stats"],
                     "sentiment": sentiment.stats}
            stages.begin("ranking")
            ranks = rank(settings, corpus, themes, sentiment)
            stages.begin("publishing")
            summary = publish(settings, run_id, corpus, themes, ranks, sentiment, stats)
        except BaseException as exc:  # recorded, then the flow run fails with it: a run never stays `running`
            exc = runs.ended_by(settings, exc, stages.current)  # Ctrl-C, a shutdown, a full disk: one voc line
            runs.fail_run(settings, run_id, exc)
            return failed(exc)
    out = write_report(settings.db, Path(report) if report else report_path(settings.db))
    summary = {**summary, "report": str(out)}
    say(result_lines(summary))
    notified = notify(settings, channels)
    if channels.configured():
        say(notification_lines(notified))
    return {**summary, "notifications": notified}


def failed(exc: Exception) -> State:
    """The failed flow run's state, raised as `exc` to whoever called the flow. Returned, not raised: Prefect pickles
    the exception a flow raises into its result storage ($PREFECT_HOME/storage, a file per failure, never cleaned)
    whatever `persist_result` says; a returned state's exception stays in this process. Its message (what the Prefect
    UI shows) is redacted like voc's own errors, a bug's too."""
    return Failed(message=f"Flow run encountered an exception: {clean_message(f'{type(exc).__name__}: {exc}')}",
                  data=exc)


def say(lines: list[str]) -> None:
    """Log the run summary's lines through the flow run's logger, which sends them to the Prefect API (a server's UI
    shows them with the run), marked `SUMMARY` so that `voc run`, which prints them itself, shows each once."""
    logger = get_run_logger()
    for line in lines:
        logger.info("%s", line, extra={SUMMARY: True})


USAGE = ("usage: python -m flows.nightly SOURCE [DB]\n"
         "  SOURCE: a comments file or a folder of them; DB: the voc store (default data/voc.duckdb).\n"
         "  For a source name, a --map, a --query and the other options use `voc run` (see `voc run --help`).")
USAGE_ERROR = 2  # as `voc`'s usage errors (Click's code)


def usage_exit(argv: list[str]) -> int | None:
    """The exit code when `argv` asks for the usage (0: -h, --help) or is not `SOURCE [DB]` (2: nothing, more,
    an option), None to run. An option is refused, not taken as a path: `--help` read as the source created the
    default store and recorded a failed run."""
    if argv in (["-h"], ["--help"]):
        return 0
    if not 1 <= len(argv) <= 2 or any(arg.startswith("-") for arg in argv):
        return USAGE_ERROR
    return None


def main(argv: list[str]) -> NoReturn:
    """`python -m flows.nightly SOURCE [DB]`: the flow run, its summary printed; a voc error as one line and its
    exit code, as `voc run` shows it; the usage for -h, --help or arguments that are not `SOURCE [DB]`, before
    anything is created. Ends without module teardown (`voc.shutdown`: DuckDB's nanobind bindings
    would print a page of "leaked" warnings beside Prefect's threads)."""
    from flows.prefect_logs import quiet_prefect_tracebacks
    from voc.cli.common import error_line

    if (asked := usage_exit(argv)) is not None:
        print(USAGE, file=sys.stdout if asked == 0 else sys.stderr)
        exit_now(asked)
    quiet_prefect_tracebacks()
    code = 0
    try:
        print(nightly(argv[0], *argv[1:2]))
    except VocError as exc:
        print(error_line(exc), file=sys.stderr)
        code = exc.exit_code
    exit_now(code)


if __name__ == "__main__":
    main(sys.argv[1:])
