"""Ending a process that ran Prefect flows or DuckDB without the interpreter's module teardown.

Prefect leaves event-loop threads behind, and DuckDB's bindings print a page of "nanobind: leaked instance"
warnings when they are torn down beside them: harmless, but it buries a command's output. `exit_now` does what
the interpreter's exit does first (the threads' exit hooks, e.g. Prefect's log workers draining to its API, then
the exit handlers, e.g. stopping a temporary API), flushes the output, and ends the process with `code`.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    threading._shutdown()  # private, but it is the interpreter's own first step at exit
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
