"""The temporary Prefect API `voc run` starts for itself, tied to the life of the `voc` process.

With no PREFECT_API_URL, Prefect starts a local API server (uvicorn, ~200 MB) in a child process on first use and
stops it at the interpreter's exit. A process ended by SIGKILL (or SIGTERM outside a flow run, which Prefect does not
catch) never gets there, and the server would live on as an orphan. So `voc run` starts that server itself, the one
Prefect then uses, and starts beside it a watchdog: a shell blocked reading a pipe only this process writes to. The
kernel closes the pipe however the process ends; the shell's read then returns and it stops the server.
"""

from __future__ import annotations

import atexit
import subprocess

# The watchdog: read the server's pid (a line per server started), and at the end of the pipe (the voc process ended)
# stop the last one.
WATCHDOG = 'while read pid; do server=$pid; done; [ -n "$server" ] && kill "$server" 2>/dev/null'
WATCHDOG_WAIT_SECONDS = 5  # at a normal exit it stops the server at once; never hold the exit longer than this


def start_temporary_api() -> None:
    """Start Prefect's temporary API server (when no Prefect API is configured) with a watchdog tied to this
    process. Prefect's own clients use this server (one per process)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    if server.running:
        return
    watchdog = subprocess.Popen(["/bin/sh", "-c", WATCHDOG], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def watched(start_server=server._run_uvicorn_command):  # Prefect's: one Popen, again on a port taken
        process = start_server()
        _tell(watchdog, process.pid)  # at once: the server's start (waiting for it to answer) takes seconds
        return process

    server._run_uvicorn_command = watched
    try:
        server.start()
    finally:  # registered after Prefect's own stop (in `start`), so it runs before it
        atexit.register(_stop_watchdog, watchdog)


def _tell(watchdog: subprocess.Popen, pid: int) -> None:
    watchdog.stdin.write(f"{pid}\n".encode())
    watchdog.stdin.flush()


def _stop_watchdog(watchdog: subprocess.Popen) -> None:
    """At a normal exit: let the watchdog stop the server while it is still this process's (unreaped) child, so the
    pid it kills cannot be another process's; Prefect's own stop then reaps it."""
    watchdog.stdin.close()
    try:
        watchdog.wait(timeout=WATCHDOG_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        watchdog.kill()
