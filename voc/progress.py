"""Progress for long stages: a rich bar on a terminal, log lines elsewhere."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from typing import Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from voc.embedding.models import Progress as Callback

log = logging.getLogger("voc")


@contextmanager
def progress_bar(description: str, enabled: bool = True) -> Iterator[Callback]:
    """Yield a callback(done, total). Draws a bar on a TTY, logs every ~10% otherwise."""
    if enabled and sys.stderr.isatty():
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), transient=True) as bar:
            task = bar.add_task(description, total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)
        return
    last = [-1]

    def report(done: int, total: int) -> None:
        step = int(10 * done / max(total, 1))
        if step != last[0]:
            last[0] = step
            log.info("%s: %d/%d", description, done, total)

    yield report
