"""A consistent copy of a store (`voc backup`), to put back when its file is damaged or its disk is lost.

DuckDB copies every table, view and sequence (with its next value) into a new file (`COPY FROM DATABASE`). The store
is only read, so pages and PM commands go on meanwhile; a run that is writing makes the copy wait (`store.open`'s
wait for a writer). The copy is written beside its target and renamed into place (`voc.outputs.write_file`), so a
backup file is never half a copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from voc import store
from voc.disk import on_disk
from voc.outputs import write_file

SOURCE, COPY = "voc_store", "voc_backup"  # the two databases' names inside the copying connection


def backup(db: Path, out: Path) -> Path:
    """Copy the store at `db` to the file `out` (replaced if it exists); returns `out`."""
    with store.open(db):
        pass  # a voc store at the schema this voc writes (an older one is upgraded first), or one clear error
    return write_file(out, db, lambda tmp: _copy(db, tmp, out))


def _copy(db: Path, target: Path, out: Path) -> None:
    os.unlink(target)  # DuckDB creates the file: an existing empty one is "not a valid DuckDB database"
    with duckdb.connect() as con:
        with on_disk(db):
            store.waiting_for_lock(db, lambda: con.execute(f"ATTACH ? AS {SOURCE} (READ_ONLY)", [str(db)]))
        with on_disk(out):  # a full disk is the backup's; a damaged block names the store's file (`voc.disk`)
            con.execute(f"ATTACH ? AS {COPY}", [str(target)])
            con.execute(f"COPY FROM DATABASE {SOURCE} TO {COPY}")
