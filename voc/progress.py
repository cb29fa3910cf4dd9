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


class Stages:
    """The stage a run is in: a line as each begins (`clustering 3017 comments`), so that a long night is never
    silent, and its name for the line of a run that is interrupted (`voc.runs.ended_by`)."""

    def __init__(self, first: str):
        self.current = first

    def begin(self, name: str, count: int | None = None, said: bool = True) -> None:
        """Enter stage `name` (of `count` comments); `said=False` when the stage shows its own progress."""
        self.current = name
        if said:
            log.info("%s", name if count is None else f"{name} {count} comments")
