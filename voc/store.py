"""The DuckDB store: schema, migrations, connection and the few generic writes.

The schema lives in `voc.schema`: one SQL constant per migration step, and
`MIGRATIONS`, the registry. Each step runs in a transaction and is recorded in
`schema_migrations`, so opening a store brings it to the current version and a
store written by a newer voc is refused rather than damaged.

Results are published atomically: a run writes its themes and assignments under
its own run_id and flips the `published` pointer in the same transaction. Readers
go through the `current_*` views, so a run that fails midway leaves the last good
results in place.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import duckdb
import pyarrow as pa

from voc.disk import disk_error, on_disk
from voc.errors import (RunInProgressError, SchemaTooNewError, SendInProgressError, StoreError, StoreLockedError,
                        VocError)
from voc.schema import MIGRATIONS, SCHEMA_VERSION, VIEW_NAMES, VIEWS, Migration

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, with the result drained (DuckDB refuses some calls while one is pending)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    row = first_row(con, sql, params)
    return row[0] if row else None


def dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    """Every row of a query as a dict keyed by column name."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def quote_ident(name: str) -> str:
    """Quote a table or column name. Values never go through here: they are parameters."""
    if not _IDENT.match(name):
        raise StoreError(f"refusing unusual identifier {name!r}: use letters, digits and '_' only")
    return '"' + name + '"'


T = TypeVar("T")

# How long opening a store waits for another process to let go of it: readers (`voc themes`, the web app) hold
# the file for well under a second, so a run or a command that meets one waits instead of failing.
LOCK_WAIT_SECONDS = 30.0
LOCK_POLL_SECONDS = 0.2


@contextmanager
def open(db: Path, write: bool = False, create: bool = False,
         wait_seconds: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one way to use a store: `with store.open(db) as con: ...`, closed on the way out.

    Read-only by default. `write=True` opens an existing voc store for writing and brings its schema up to
    date; `create=True` (only `voc run` and `voc demo`) may also create it. A path that does not exist, or a
    DuckDB file that is not a voc store, is refused unless `create`: a mistyped --db never makes a new store.
    """
    with on_disk(db):
        con = connect(db, read_only=not (write or create), create=create, wait_seconds=wait_seconds)
        try:
            yield con
        finally:
            con.close()


def connect(db: Path, read_only: bool = False, create: bool = False,
            wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open a store (see `open`, which closes it for you). Waits up to `wait_seconds` (default
    LOCK_WAIT_SECONDS) for another process's lock."""
    db = Path(db)
    if db.is_dir():
        raise StoreError(f"{db} is a folder, not a voc store: pass a file path to --db")
    if not db.exists() and not create:
        raise StoreError(f"no voc store at {db}: check --db, or run `voc run --source ...` or `voc demo` first")
    if not is_duckdb_file(db):
        raise StoreError(f"no voc store at {db}: it is not a DuckDB file (is --db right? a store is made by "
                         "`voc run --source ...` or `voc demo`)")
    if create:
        db.parent.mkdir(parents=True, exist_ok=True)
    wait = LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
    con = _connect_waiting(db, read_only, wait)
    try:
        if read_only and _check_version(con, db) < SCHEMA_VERSION:
            con.close()
            upgrade(db, wait)
            con = _connect_waiting(db, read_only, wait)
        elif not read_only:
            _check_is_voc_store(con, db)
            migrate(con, db)
    except BaseException:
        con.close()
        raise
    return con


DUCKDB_MAGIC = (8, b"DUCK")  # a DuckDB file says DUCK at byte 8 (after a checksum)


def is_duckdb_file(db: Path) -> bool:
    """False for an existing file that is not a DuckDB database (a CSV passed as --db, which DuckDB would open as
    an in-memory database over it; an empty file). A missing file passes: `connect` creates or refuses it."""
    try:
        with Path(db).open("rb") as fh:
            head = fh.read(DUCKDB_MAGIC[0] + len(DUCKDB_MAGIC[1]))
    except FileNotFoundError:
        return True
    return head[DUCKDB_MAGIC[0]:] == DUCKDB_MAGIC[1]


# Said where the store is the wrong one: `voc` commands take --db, a Prefect deployment its `db` parameter.
OTHER_STORE = "use another store (--db, or a deployment's db parameter)"


def _connect_waiting(db: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    return waiting_for_lock(db, lambda: duckdb.connect(str(db), read_only=read_only), wait_seconds)


def waiting_for_lock(db: Path, open_it: Callable[[], T], wait_seconds: float = LOCK_WAIT_SECONDS) -> T:
    """`open_it()`, which opens the store file `db`, tried again while another process holds the file (up to
    `wait_seconds`); a file DuckDB cannot open is one clear error."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return open_it()
        except duckdb.IOException as exc:
            if (said := disk_error(exc, db)) is not None:
                raise said from exc
            if "lock" not in str(exc).lower():
                raise StoreError(f"{db} is not a DuckDB file voc can open ({exc}); {OTHER_STORE}") from exc
            if time.monotonic() >= deadline:
                raise StoreLockedError(
                    f"{db} is in use by another process; wait for it to finish, or {OTHER_STORE}"
                ) from exc
            time.sleep(LOCK_POLL_SECONDS)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open {db} ({exc}); {OTHER_STORE}") from exc


def _check_is_voc_store(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """A DuckDB file with tables but no voc schema belongs to someone else: never add voc tables to it."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if tables and "schema_migrations" not in tables:
        raise StoreError(f"{db} is a DuckDB file but not a voc store (it has {len(tables)} other tables); "
                         "pass the voc store with --db")


def _applied_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)""")
    return scalar(con, "SELECT coalesce(max(version), 0) FROM schema_migrations")


def _check_version(con: duckdb.DuckDBPyConnection, db: Path, required: bool = True) -> int:
    has_table = scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'")
    version = scalar(con, "SELECT max(version) FROM schema_migrations") if has_table else 0
    if required and not has_table:
        raise StoreError(f"{db} is not a voc store (no voc tables in it): check --db, or run `voc run` first")
    if (version or 0) > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"{db} has schema version {version}, this voc knows up to {SCHEMA_VERSION}: upgrade voc"
        )
    return version or 0


def migrate(con: duckdb.DuckDBPyConnection, db: Path, steps: list[Migration] = MIGRATIONS) -> int:
    """Apply every migration the store lacks, each in its own transaction, then (re)create the views if the store
    is at the latest version and was just upgraded or lacks one (a process that died between the last step and the
    views leaves them to the next open). A test may stop at an older version: the views need the latest tables."""
    _check_version(con, db, required=False)
    current = _applied_version(con)
    pending = [step for step in steps if step.version > current]
    for step in pending:
        with transaction(con):
            if step.sql:
                con.execute(step.sql)
            if step.data:
                step.data(con)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)", [step.version, step.name]
            )
    latest = max(step.version for step in steps)
    if latest == SCHEMA_VERSION and (pending or _views_missing(con)):
        with transaction(con):
            con.execute(VIEWS)
    return latest


def _views_missing(con: duckdb.DuckDBPyConnection) -> bool:
    have = {name for name, in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    return not set(VIEW_NAMES) <= have


def upgrade(db: Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
    """Bring a store an older voc wrote up to date for a command that only reads it (`voc themes`, the web app):
    the upgrade is a write, so it takes the run lock for the moment it lasts. While a run holds the lock, that run
    upgrades the store itself (`runs.start_run`); the reader is told to come back."""
    try:
        with run_lock(db):
            connect(db, read_only=False, wait_seconds=wait_seconds).close()
    except RunInProgressError:
        raise RunInProgressError(f"{db} was written by an older voc and a run is upgrading it; try again when "
                                 "it ends") from None


@contextmanager
def run_lock(db: Path) -> Iterator[None]:
    """One run per store at a time: an exclusive lock on `<store>.lock`, held for the whole run.

    DuckDB's own lock only covers one open connection, and a run opens the store once per stage;
    two runs could interleave and the older one publish last. The lock is released by the operating
    system when the process ends, so a crashed run never blocks the next one.
    """
    with _exclusive(db, ".lock", lambda holder: RunInProgressError(
            f"another voc run is using {db} ({holder}); wait for it to finish, then run again")):
        yield


LOCK_HOLDER = re.compile(r"pid (\d+),")  # what `_exclusive` writes into the lock file: "pid 4242, started ..."


def run_lock_free(db: Path) -> bool:
    """Whether no live process holds the store's run lock: a run still recorded `running` without one has died (the
    next run records it failed). Read from the holder the lock file names, not by taking the lock, which would make
    a run starting that instant fail as "another voc run"."""
    path = Path(str(db) + ".lock")
    with on_disk(db):
        holder = LOCK_HOLDER.match(path.read_text()) if path.exists() else None
    if holder is None:  # never held, or let go: a run that ends empties it
        return True
    try:
        os.kill(int(holder.group(1)), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, run by another user
        return False
    return False


@contextmanager
def send_lock(db: Path) -> Iterator[None]:
    """One sender of the store's digests at a time (`<store>.notify.lock`): two would read the same pending
    notifications and send every digest twice. Independent of the run lock: a PM's change may be sent during a run."""
    with _exclusive(db, ".notify.lock", lambda holder: SendInProgressError(
            f"another voc notify is sending the digests of {db} ({holder}); each goes out once: wait for it to "
            "finish, then send again if it reported failures")):
        yield


@contextmanager
def _exclusive(db: Path, suffix: str, busy: Callable[[str], VocError]) -> Iterator[None]:
    """An exclusive, non-blocking lock on the file `<db><suffix>` that names its holder; `busy(holder)` is raised
    when another process holds it. The operating system releases it when the process ends."""
    path = Path(str(db) + suffix)
    with on_disk():
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = path.open("a+")
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise busy(fh.read().strip() or "another process") from None
        with on_disk(db):
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}, started {datetime.now():%Y-%m-%d %H:%M:%S}")
            fh.flush()
        try:
            yield
        finally:
            fh.truncate(0)
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table, or_ignore: bool = False) -> int:
    """Insert an Arrow table by column name; with `or_ignore`, rows whose key exists are skipped."""
    if rows.num_rows == 0:
        return 0
    before = scalar(con, f"SELECT count(*) FROM {quote_ident(table)}")
    con.register("_voc_incoming", rows)
    try:
        verb = "INSERT OR IGNORE INTO" if or_ignore else "INSERT INTO"
        con.execute(f"{verb} {quote_ident(table)} BY NAME SELECT * FROM _voc_incoming")
    finally:
        con.unregister("_voc_incoming")
    return scalar(con, f"SELECT count(*) FROM {quote_ident(table)}") - before


def published_run(con: duckdb.DuckDBPyConnection) -> int | None:
    return scalar(con, "SELECT run_id FROM published WHERE name = 'themes'")
