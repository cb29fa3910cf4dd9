"""Operations edges: an older store opened by a read command, a disk that refuses writes, an interrupted run, the
temporary Prefect API's life, progress lines. Real DuckDB files and real `voc` subprocesses."""

import errno
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dbutil import rows
from test_store import store_at_version

from voc import store
from voc.config import Settings
from voc.runs import ended_by

OLD_VERSION = 5  # the schema of a store published by voc before sub-themes (commit 41973bd)


def voc(*args, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def older_store(db):
    """A store an older voc published: schema 5, one fine theme."""
    con = store_at_version(db, OLD_VERSION)
    con.execute("INSERT INTO runs (run_id, started_at, status, source) VALUES (1, now(), 'succeeded', 'x.csv')")
    con.execute("INSERT INTO themes (run_id, theme_id, rank, title, keywords, representatives, size, share, languages, "
                "mean_sentiment, share_negative, volume_current, volume_previous, growth, priority, why) "
                "VALUES (1, 7, 1, 'Lastschrift doppelt', ['k'], ['r'], 3, 0.5, '{}', 0, 0, 1, 1, 0, 1, 'w')")
    con.execute("INSERT INTO published VALUES ('themes', 1)")
    con.close()


def test_a_read_command_upgrades_a_store_an_older_voc_published(tmp_path):
    db = tmp_path / "old.duckdb"
    older_store(db)
    result = voc("themes", "--db", db, "--json")
    assert result.returncode == 0, result.stderr
    assert "Lastschrift doppelt" in result.stdout and "Traceback" not in result.stderr
    assert rows(db, "SELECT max(version) FROM schema_migrations") == [(store.SCHEMA_VERSION,)]


def test_a_read_command_on_an_older_store_a_run_is_upgrading_says_so_in_one_line(tmp_path):
    db = tmp_path / "old.duckdb"
    older_store(db)
    with store.run_lock(db):  # a run holds the store: it upgrades it itself
        result = voc("report", "--db", db, "--out", tmp_path / "r.html")
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        f"error: {db} was written by an older voc and a run is upgrading it; try again when it ends"]
    assert rows(db, "SELECT max(version) FROM schema_migrations") == [(OLD_VERSION,)]


def test_a_run_whose_lock_file_the_os_refuses_ends_in_one_line(tmp_path):
    db = Path("/sys/voc-test.duckdb")  # sysfs: the kernel refuses a new file there, even to root
    user = pwd.getpwuid(os.geteuid()).pw_name
    said = {errno.EACCES: f"cannot create {db}.lock: the folder /sys is not writable for the user {user} (voc writes "
                          f"a .lock beside the store); give {user} write access to the folder, or pass another path",
            errno.EROFS: f"cannot write {db}.lock: read-only file system; put --db on a writable disk"}
    refusal = _refusal(db.parent)
    if refusal not in said:
        pytest.skip(f"/sys does not refuse new files here as expected (errno {refusal})")
    result = voc("run", "--source", comments_csv(tmp_path / "in.csv", n=3), "--db", db)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines() == [f"error: {said[refusal]}"]


def _refusal(folder: Path) -> int | None:
    """The errno with which the OS refuses a new file in `folder` (None: it takes it)."""
    try:
        (folder / "voc-probe").open("a").close()
    except OSError as exc:
        return exc.errno
    (folder / "voc-probe").unlink()
    return None


FREE_BYTES = 1_000_000  # room left on the small disk: enough to start the run, not to ingest the comments below
COMMENT_CHARS = 1000    # 3000 comments of this size do not fit in FREE_BYTES


@pytest.fixture
def small_disk(tmp_path):
    """A real 40 MB disk (tmpfs), unmounted afterwards; skipped where this process may not mount one."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (not root?)")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def test_a_disk_that_fills_during_a_run_ends_in_one_line_and_the_run_is_recorded_failed(published_db, small_disk,
                                                                                         tmp_path):
    db = small_disk / "voc.duckdb"
    shutil.copy(published_db[0], db)
    source = comments_csv(tmp_path / "in.csv", n=3000, chars=COMMENT_CHARS)
    free = shutil.disk_usage(small_disk).free
    with (small_disk / "filler").open("wb") as fh:
        fh.truncate(0)
        fh.write(b"\0" * (free - FREE_BYTES))
    published = rows(db, "SELECT run_id FROM published")
    result = voc("run", "--source", source, "--db", db, timeout=300)
    assert result.returncode == 3, result.stderr
    said = [line for line in result.stderr.splitlines() if " | INFO " not in line]
    assert said == [f"error: no space left on the disk of {db}: free space and run again; run "
                    f"{published[0][0]}'s results stay current"], result.stderr
    (small_disk / "filler").unlink()
    assert rows(db, "SELECT run_id FROM published") == published
    assert rows(db, "SELECT status, error FROM runs ORDER BY run_id DESC LIMIT 1") == [("failed", said[0][7:])]


def comments_csv(path: Path, n: int, chars: int = 40) -> Path:
    """A CSV of `n` new comments, each about `chars` characters long."""
    words = "Kunde meldet doppelte Abbuchung der Lastschrift und bittet um Erstattung "
    with path.open("w", encoding="utf-8") as fh:
        fh.write("comment_id,text,created_at,agent_id\n")
        for i in range(n):
            text = (f"{i} " + words * (chars // len(words) + 1))[:chars]
            fh.write(f"new{i},{text},2026-11-20 10:00,A{i % 20:02d}\n")
    return path


def start_run(source, db) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--source", str(source), "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_line(process: subprocess.Popen, part: str, timeout: float = 180) -> list[str]:
    """The lines `process` wrote to standard error up to the first holding `part`."""
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if part in line:
            return lines
    raise AssertionError(f"no line with {part!r}: {lines}")


def test_ctrl_c_during_a_run_is_one_voc_line_and_recorded(store_copy, tmp_path):
    source = comments_csv(tmp_path / "in.csv", n=3000, chars=200)
    published = rows(store_copy, "SELECT run_id FROM published")[0][0]
    run = start_run(source, store_copy)
    wait_for_line(run, "voc - embedding: ")
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=120)
    said = [line for line in err.splitlines() if " | INFO " not in line]
    line = (f"interrupted during embedding: nothing published, run {published}'s results stay current; run again "
            "to continue")
    assert (run.returncode, said) == (130, [f"error: {line}"])
    assert rows(store_copy, "SELECT status, error FROM runs ORDER BY run_id DESC LIMIT 1") == [("failed", line)]
    assert rows(store_copy, "SELECT run_id FROM published")[0][0] == published



def test_an_interrupted_first_run_says_nothing_is_published_once(tmp_path):
    """A store's first run (`voc demo`) stopped by a signal: one clause, not "nothing published, no results are
    published yet"."""
    db = tmp_path / "voc.duckdb"
    with store.open(db, create=True):
        pass
    stopped = ended_by(Settings(db=db), KeyboardInterrupt(), "clustering")
    assert (str(stopped), stopped.exit_code) == (
        "interrupted during clustering: nothing published yet; run again to continue", 130)

def children(pid: int, named: str) -> list[int]:
    """The processes `pid` started whose command line holds `named`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid and named in (stat.parent / "cmdline").read_text():
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):  # a process that ended while we looked
            continue
    return found


def running(pid: int) -> bool:
    """The process exists and has not ended (a zombie, which an init that does not reap leaves, has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


SERVER_GONE_SECONDS = 20  # the watchdog stops the server at once; uvicorn takes a moment to shut down


def test_a_killed_run_does_not_leave_its_temporary_prefect_api_running(store_copy, tmp_path):
    run = start_run(comments_csv(tmp_path / "in.csv", n=3000, chars=200), store_copy)
    wait_for_line(run, "voc - planning the night")
    servers = children(run.pid, "uvicorn")
    assert len(servers) == 1
    run.kill()  # SIGKILL: no exit handler runs
    run.wait(timeout=60)  # not its output: a server left running would hold the pipes open
    deadline = time.monotonic() + SERVER_GONE_SECONDS
    while running(servers[0]) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = running(servers[0])
    if alive:
        os.kill(servers[0], signal.SIGKILL)  # the server this test's run started: never leave it behind
    assert not alive, "the temporary Prefect API outlived the killed run"


def test_the_flow_module_run_as_a_script_shows_a_voc_error_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "flows.nightly", str(tmp_path / "missing.csv"),
                             str(tmp_path / "voc.duckdb")], capture_output=True, text=True, timeout=180)
    said = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 2, result.stderr
    assert len(said) == 1 and "missing.csv does not exist" in said[0], result.stderr
    assert "Traceback" not in result.stderr and "nanobind" not in result.stderr, result.stderr


def test_a_run_says_what_it_read_at_once_and_a_line_as_each_stage_begins(demo_files, tmp_path):
    result = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--source", str(demo_files.comments), "--db",
                             str(tmp_path / "voc.duckdb")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()

    def first(part: str) -> int:
        return next(i for i, line in enumerate(lines) if part in line)

    stages = [first(f"voc - {stage}") for stage in ("planning the night", "clustering ", "titles", "sentiment ",
                                                     "ranking", "publishing")]
    assert first("run 1: read ") < stages[0] and stages == sorted(stages), result.stdout
    assert first("themes over") > stages[-1]
    assert re.search(r"voc - clustering \d+ comments$", lines[stages[1]]), lines[stages[1]]


@pytest.mark.parametrize("args, code", [([], 2), (["--help"], 0), (["-h"], 0), (["a.csv", "b.duckdb", "c"], 2),
                                        (["--source", "a.csv"], 2)])
def test_the_flow_module_run_as_a_script_answers_a_usage_question_before_anything_is_made(tmp_path, args, code):
    """Walkthrough 5a F10: no arguments was an IndexError traceback; `--help` was taken as the source, made
    ./data/voc.duckdb (the flow's default store) and recorded a failed run there."""
    root = str(Path(__file__).resolve().parents[1])  # this checkout's flows, run from an empty folder
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "flows.nightly", *args], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    said = result.stdout if code == 0 else result.stderr
    assert result.returncode == code, result.stderr
    assert said.startswith("usage: python -m flows.nightly SOURCE [DB]\n"), said
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == [], result.stderr


def test_voc_runs_says_a_run_left_running_by_a_dead_process_is_gone(store_copy):
    """After a SIGKILL (an OOM kill of the nightly) `voc runs` showed the dead run as `running` until the next run:
    an operator at 08:00 waited for it. The run lock tells a live run from a dead one."""
    from typer.testing import CliRunner

    from flows.cli import app

    with store.open(store_copy, write=True) as con:
        con.execute("INSERT INTO runs (run_id, started_at, status, mode) VALUES (nextval('run_id_seq'), now(), "
                    "'running', 'incremental')")

    def shown(*flags):
        result = CliRunner().invoke(app, ["runs", "--db", str(store_copy), *flags])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    with store.run_lock(store_copy):  # a run under way: it holds the lock
        assert "running?" not in shown() and '"process_gone": false' in shown("--json")
    killed = f"from voc import store; import os\nwith store.run_lock({str(store_copy)!r}): os._exit(9)"
    assert subprocess.run([sys.executable, "-c", killed]).returncode == 9  # died holding it, as under SIGKILL
    assert "pid " in Path(str(store_copy) + ".lock").read_text()  # the dead holder is still named there
    assert "running?" in shown()  # the table wraps the rest: "its process is gone (killed, ...) ..."
    assert '"process_gone": true' in shown("--json")


@pytest.mark.parametrize("env, said", [
    ({"VOC_WEBHOOK_URL": "ftp://x.example/h"}, "webhook 'ftp://x.example/h' is not an http(s) URL"),
    ({"VOC_WEBHOOK_URL": "http://127.0.0.1:9/h", "VOC_NOTIFY_TIMEOUT": "abc"}, "VOC_NOTIFY_TIMEOUT='abc' is not a number"),
])
def test_notification_settings_voc_cannot_use_are_refused_before_a_run_reads_anything(demo_files, tmp_path, env, said):
    """A bad VOC_WEBHOOK_URL failed `voc run` with exit 2 after the whole run had published (`voc runs`: succeeded):
    cron saw a failed night whose results were live. Now the run is refused before it starts, as a bad model is."""
    db = tmp_path / "voc.duckdb"
    for command in (["flows.cli", "run", "--source", str(demo_files.comments), "--db", str(db)],
                    ["flows.nightly", str(demo_files.comments), str(db)]):
        result = subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True, timeout=180,
                                env={**os.environ, **env})
        assert result.returncode == 2 and f"error: {said}" in result.stderr, (command, result.stderr)
        assert not db.exists(), command  # nothing read, no store made, no run recorded
