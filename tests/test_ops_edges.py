"""Operations edges: an older store opened by a read command, a disk that refuses writes, an interrupted run, the
temporary Prefect API's life, progress lines. Real DuckDB files and real `voc` subprocesses."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbutil import rows
from test_store import store_at_version

from voc import store

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
    db = Path("/sys/voc-test.duckdb")  # sysfs: the kernel refuses a new file there, even to root (EACCES)
    if os.access(db.parent, os.W_OK) and not _refused(db.parent):
        pytest.skip("/sys takes new files here")
    source = comments_csv(tmp_path / "in.csv", n=3)
    result = voc("run", "--source", source, "--db", db)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: cannot write {db}.lock: permission denied; put --db where voc may write"]


def _refused(folder: Path) -> bool:
    try:
        (folder / "voc-probe").open("a").close()
    except OSError:
        return True
    return False


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
