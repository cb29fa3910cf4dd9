"""Operations edges: an older store opened by a read command, a disk that refuses writes, an interrupted run, the
temporary Prefect API's life, progress lines. Real DuckDB files and real `voc` subprocesses."""

import subprocess
import sys

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
