"""A damaged store is one line that says what to do, and `voc backup` makes the copy to put back. Real stores."""

import json
import os
import shutil
import subprocess
import sys

import duckdb
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def voc(*args):
    return runner.invoke(app, [str(a) for a in args])


def themes_of(db):
    result = voc("themes", "--db", db, "--json", "--limit", "500")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_backup_is_the_whole_store_and_a_store_of_its_own(store_copy, tmp_path):
    out = tmp_path / "backups" / "voc-copy.duckdb"
    result = voc("backup", "--db", store_copy, "--out", out)
    assert result.exit_code == 0 and f"backed up {store_copy} to {out} (" in " ".join(result.output.split())
    assert themes_of(out) == themes_of(store_copy)
    with duckdb.connect(str(store_copy), read_only=True) as a, duckdb.connect(str(out), read_only=True) as b:
        for table, in a.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            assert a.table(table).aggregate("count(*)").fetchall() == b.table(table).aggregate("count(*)").fetchall()
        sequences = "SELECT sequence_name, last_value FROM duckdb_sequences() ORDER BY 1"
        assert a.execute(sequences).fetchall() == b.execute(sequences).fetchall()
    theme = themes_of(out)[0]["theme_id"]  # the copy is a store voc writes to: its ids go on where they were
    assert voc("status", theme, "--set", "planned", "--by", "anna", "--db", out).exit_code == 0
    assert voc("backup", "--db", store_copy, "--out", out).exit_code == 0  # replaced, not refused


def test_a_damaged_store_is_one_line_that_says_to_restore_a_backup(store_copy, tmp_path):
    """A store cut short (a disk that died mid-copy) gave a 46-line DuckDB traceback from every command."""
    damaged = tmp_path / "damaged.duckdb"
    shutil.copy(store_copy, damaged)
    os.truncate(damaged, os.path.getsize(damaged) // 2)
    for args in (["themes"], ["runs"], ["backup", "--out", tmp_path / "b.duckdb"]):
        result = voc(*args, "--db", damaged)
        assert result.exit_code == 3 and len(result.output.strip().splitlines()) == 1, (args, result.output)
        assert result.output.startswith(f"error: {damaged} is damaged (DuckDB: Could not read enough bytes"), args
        assert result.output.rstrip().endswith("restore the last `voc backup` over it (README: Backups)")


def test_a_wal_from_another_state_of_the_store_is_named_as_the_thing_to_move(store_copy, tmp_path):
    """A store put back from a copy, with the newer .wal of the crashed one left beside it: voc said the store was
    "not a DuckDB file voc can open" and to "pass another --db"; the store was fine, the .wal was the problem."""
    newer = tmp_path / "newer.duckdb"
    shutil.copy(store_copy, newer)
    crash = (f"import duckdb, os; c = duckdb.connect({str(newer)!r}); c.execute('CREATE TABLE a AS SELECT 1 AS x'); "
             "c.execute('CHECKPOINT'); c.execute('CREATE TABLE b AS SELECT 1 AS x'); os._exit(0)")  # then a kill
    subprocess.run([sys.executable, "-c", crash], check=True)
    restored = tmp_path / "restored.duckdb"
    shutil.copy(store_copy, restored)
    shutil.copy(str(newer) + ".wal", str(restored) + ".wal")
    result = voc("runs", "--db", restored)
    assert result.exit_code == 3 and result.output.startswith(
        f"error: {restored} cannot be opened with the {restored}.wal beside it: that .wal belongs to another state "
        "of the store"), result.output
    os.rename(str(restored) + ".wal", tmp_path / "aside.wal")  # what the line says to do
    assert voc("runs", "--db", restored).exit_code == 0
