"""How voc's own errors appear in Prefect's logs: once, on one line.

Prefect logs a task that failed for good with its exception's traceback (a task retried on a held store: two chained
tracebacks, DuckDB's and voc's). A voc error's message already says what is wrong and what to do, so:
- `voc run` and `python -m flows.nightly` drop those records (`quiet_prefect_tracebacks`): they print the one line
  themselves (`voc.cli.common.friendly`);
- wherever else the flow runs (a Prefect worker loading the deployment's entrypoint), the records stay, as one line
  without the traceback (`voc_errors_on_one_line`, installed when `flows.nightly` is imported).
Any other exception, a bug, keeps Prefect's full log.
"""

from __future__ import annotations

import logging
import re

from voc.cli.common import voc_error_names
from voc.errors import VocError

VOC_ERROR = "voc_error"  # the attribute of a record whose voc error lost its traceback
PREFECT_RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs", "prefect.flow_engine", "prefect.task_engine")


class _VocErrorsSaidOnce(logging.Filter):
    """Prefect logs a failing task and its flow, each with the exception; for a voc error the CLI's one line
    (`friendly`) says it all, so those records are dropped. Any other exception keeps Prefect's logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, VOC_ERROR, False) or (record.exc_info and isinstance(record.exc_info[1], VocError)):
            return False
        names = "|".join(sorted(voc_error_names()))
        message = record.getMessage()
        if INTERRUPTED.search(message):  # the flow says it in one line (`voc.runs.ended_by`)
            return False
        return not re.search(rf"\b({names})\b[:(]", message)  # "Failed('... SourceError: ...')"


# How Prefect says that the task a Ctrl-C or a termination signal stopped crashed (two ERROR lines per task run).
INTERRUPTED = re.compile(r"Crash(ed\(| detected!).{0,3}Execution was aborted by an? (interrupt|termination) signal")



class _VocErrorsOnOneLine(logging.Filter):
    """A record of a voc error keeps its line and loses the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], VocError):
            record.exc_info, record.exc_text = None, None
            setattr(record, VOC_ERROR, True)  # for `_VocErrorsSaidOnce`, if it comes after this filter
        return True


def _install(kind: type[logging.Filter]) -> None:
    for name in PREFECT_RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):  # once, however often it is asked for
            logger.addFilter(kind())


def quiet_prefect_tracebacks() -> None:
    """Drop Prefect's records of voc errors: the command prints each as its one line."""
    _install(_VocErrorsSaidOnce)


def voc_errors_on_one_line() -> None:
    """Keep Prefect's records of voc errors, without their tracebacks."""
    _install(_VocErrorsOnOneLine)
