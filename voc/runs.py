"""A run's bookkeeping in the `runs` table: started, failed, and what it says it read.

`start_run` records a run as `running` (and marks failed any run a dead process left running); `fail_run` records
a failure in one line and leaves the published results untouched; `voc.publish` records a success. The stages a run
goes through are in `voc.pipeline`.
"""

from __future__ import annotations

import json
import logging
import signal
from datetime import datetime
from pathlib import Path

from voc import store
from voc.config import Settings
from voc.errors import ConfigError, DiskError, RunInterruptedError, StoreLockedError, VocError
from voc.ingest.stored import stored_line
from voc.shutdown import SIGNAL_EXIT_BASE
from voc.text.escape import one_line
from voc.text.redact import redact_text

MODES = ("auto", "full", "incremental")  # a run decides itself, re-clusters everything or only places new comments
MAX_ERROR_CHARS = 2000  # runs.error: the one line a user needs, not a whole traceback
log = logging.getLogger("voc")


def start_run(settings: Settings, source: str, requested_mode: str = "auto") -> int:
    """Record a new run. Runs left `running` by a process that died are marked failed first: the caller holds
    the store's run lock (`store.run_lock`), so no other run can be under way."""
    if requested_mode not in MODES:
        raise ConfigError(f"unknown mode {requested_mode!r}: use one of {', '.join(MODES)}")
    with store.open(settings.db, create=True) as con:
        con.execute("UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE status = 'running'",
                    [datetime.now(), "interrupted: the process ended before the run finished"])
        run_id = store.scalar(con, "SELECT nextval('run_id_seq')")
        con.execute("INSERT INTO runs (run_id, started_at, status, source, params, mode) "
                    "VALUES (?, ?, 'running', ?, ?, ?)",
                    [run_id, datetime.now(), source, json.dumps(settings.as_dict()), requested_mode])
        return run_id


def error_line(exc: BaseException) -> str:
    """What a failed run records: a voc error's own line (it says what is wrong and what to do; its class name
    says nothing to a user), any other exception with its type (`KeyError: 'x'` is a bug, `'x'` alone is nothing)."""
    return str(exc) if isinstance(exc, VocError) else f"{type(exc).__name__}: {exc}"


def fail_run(settings: Settings, run_id: int, error: str | BaseException) -> None:
    """Record the failure (redacted; an exception as `error_line` says it); published results stay as they were.
    When the store stays locked past the wait, the next run's `start_run` marks this run failed instead: the
    original error is what matters."""
    error = error_line(error) if isinstance(error, BaseException) else error
    try:
        with store.open(settings.db, write=True) as con:
            con.execute("UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE run_id = ?",
                        [datetime.now(), redact_text(error)[:MAX_ERROR_CHARS], run_id])
    except (StoreLockedError, DiskError) as exc:
        log.warning("could not record run %s as failed (%s); the next run will", run_id, exc)


def ended_by(settings: Settings, exc: BaseException, stage: str) -> BaseException:
    """The error a run that did not finish ends with, as `fail_run` records it and the CLI shows it: a Ctrl-C or a
    termination signal (any exception that is not an `Exception`) as a `RunInterruptedError` that says where and
    what stays, with the signal's exit code (128 + its number); a full or read-only disk with what stays; anything
    else as it is."""
    if isinstance(exc, DiskError):
        return DiskError(f"{exc}; {results_stay(settings)}")
    if isinstance(exc, Exception):
        return exc
    stays = results_stay(settings)
    kept = "nothing published yet" if stays == NONE_PUBLISHED else f"nothing published, {stays}"
    error = RunInterruptedError(f"interrupted during {stage}: {kept}; run again to continue")
    error.exit_code = SIGNAL_EXIT_BASE + int(getattr(exc, "signal", signal.SIGINT))
    return error


NONE_PUBLISHED = "no results are published yet"  # what stays of a store's first run that failed: nothing


def results_stay(settings: Settings) -> str:
    """What a failed run leaves the user: "run 7's results stay current" (or that none were published yet)."""
    try:
        with store.open(settings.db) as con:
            published = store.published_run(con)
    except VocError:
        return "the published results stay as they were"
    return f"run {published}'s results stay current" if published is not None else NONE_PUBLISHED


def source_label(path: Path, table: str | None, query: str | None) -> str:
    """What `runs.source` says was read: the path (redacted, without control characters, as file names are stored),
    with the table or "query"."""
    shown = stored_line(path)
    return f"{shown}::{one_line(table)}" if table else (f"{shown}::query" if query else shown)
