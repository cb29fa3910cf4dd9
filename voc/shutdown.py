"""Ending a process that ran Prefect flows or DuckDB without the interpreter's module teardown, and the one line a
run stopped before it began ends with.

Prefect leaves event-loop threads behind, and DuckDB's bindings print a page of "nanobind: leaked instance"
warnings when they are torn down beside them: harmless, but it buries a command's output. `exit_now` does what
the interpreter's exit does first (the threads' exit hooks, e.g. Prefect's log workers draining to its API, then
the exit handlers, e.g. stopping a temporary API), flushes the output, and ends the process with `code`.

`voc run` spends its first seconds importing Prefect and the pipeline and starting a temporary Prefect API; a
Ctrl-C or SIGTERM then ended it without a word. Inside `stopped_before_start` such a signal is a
`RunInterruptedError` saying that nothing changed, until the flow has recorded its run (`run_began`): from there
the run's own handling says where it stopped (`voc.runs.ended_by`).
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator, NoReturn

from voc.errors import RunInterruptedError

BEFORE_START = "stopped before the run started: nothing changed"
STARTING_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and systemd's or kill's stop
SIGNAL_EXIT_BASE = 128  # a process ended by signal N exits 128 + N, as a shell reports it (130 Ctrl-C, 143 SIGTERM)

_starting = False  # inside `stopped_before_start`, before `run_began`


def exit_now(code: int) -> NoReturn:
    threading._shutdown()  # private, but it is the interpreter's own first step at exit
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _StoppedBeforeStart(BaseException):
    """Raised by the signal handler; a BaseException, as KeyboardInterrupt, so that no `except Exception` on the
    way (a logging handler, Prefect's engine) swallows it. `stopped_before_start` says it as a voc error."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stopped(signum: int, frame) -> None:
    if _starting:
        raise _StoppedBeforeStart(signum)
    if signum == signal.SIGINT:  # the run has begun: Ctrl-C is Python's KeyboardInterrupt, as without this guard
        signal.default_int_handler(signum, frame)
    signal.signal(signum, signal.SIG_DFL)  # a SIGTERM outside the flow's own handler: ended as by default
    os.kill(os.getpid(), signum)


@contextmanager
def stopped_before_start() -> Iterator[None]:
    """Within the block, Ctrl-C or SIGTERM before `run_began` raises `RunInterruptedError` ("stopped before the run
    started: nothing changed", exit 130 or 143). A signal the process ignores (SIGINT in a background job of a
    non-interactive shell) stays ignored. Only the main thread can set signal handlers; elsewhere this does nothing."""
    global _starting
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in STARTING_SIGNALS}
    for sig, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(sig, _stopped)
    _starting = True
    try:
        yield
    except _StoppedBeforeStart as stop:
        error = RunInterruptedError(BEFORE_START)
        error.exit_code = SIGNAL_EXIT_BASE + stop.signum
        raise error from None
    finally:
        _starting = False
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)


def run_began() -> None:
    """The flow has recorded its run: a signal from now on is the run's to say (`voc.runs.ended_by`). SIGINT goes
    back to Python's KeyboardInterrupt at once; SIGTERM is the flow's (Prefect's handler) while it runs."""
    global _starting
    if _starting:
        _starting = False
        if signal.getsignal(signal.SIGINT) is _stopped and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)
