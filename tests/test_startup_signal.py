"""A Ctrl-C or SIGTERM in `voc run`'s first seconds (imports, the temporary Prefect API starting), before the flow
records its run: one line and nothing changed, not a silent exit. Real `voc run` subprocesses and real signals."""

import signal
import time

import pytest
from dbutil import rows
from test_ops_edges import children, comments_csv, running, start_run

STARTUP_SECONDS = 120  # time for the subprocess to import and start its temporary Prefect API on a busy machine


def wait_for_child(pid: int, named: str) -> int:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if found := children(pid, named):
            return found[0]
        time.sleep(0.02)
    raise AssertionError(f"{pid} started no {named}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_run_starts_is_one_line_and_changes_nothing(store_copy, tmp_path, sig):
    before = rows(store_copy, "SELECT run_id, status FROM runs ORDER BY run_id")
    run = start_run(comments_csv(tmp_path / "in.csv", n=3), store_copy)
    server = wait_for_child(run.pid, "uvicorn")  # the temporary Prefect API is starting: the flow has not begun
    run.send_signal(sig)
    out, err = run.communicate(timeout=120)
    assert (run.returncode, err.strip().splitlines()) == (
        128 + sig, ["error: stopped before the run started: nothing changed"]), err
    assert rows(store_copy, "SELECT run_id, status FROM runs ORDER BY run_id") == before
    deadline = time.monotonic() + 20
    while running(server) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running(server)
