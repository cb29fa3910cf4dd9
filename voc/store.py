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

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from voc.errors import SchemaTooNewError, StoreError, StoreLockedError
from voc.schema import MIGRATIONS, SCHEMA_VERSION, Migration

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, with the result drained (DuckDB refuses some calls while one is pending)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    row = first_row(con, sql, params)
    return row[0] if row else None


def quote_ident(name: str) -> str:
    """Quote a table or column name. Values never go through here: they are parameters."""
    if not _IDENT.match(name):
        raise StoreError(f"refusing unusual identifier {name!r}: use letters, digits and '_' only")
    return '"' + name + '"'


def connect(db: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or create) a store and bring its schema to the current version."""
    db = Path(db)
    if read_only and not db.exists():
        raise StoreError(f"no voc store at {db}: run `voc run --source ...` or `voc demo` first")
    if not read_only:
        db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreLockedError(
                f"{db} is in use by another process; wait for it to finish or pass another --db"
            ) from exc
        raise StoreError(f"{db} is not a DuckDB file voc can open ({exc}); pass another --db") from exc
    except duckdb.Error as exc:
        raise StoreError(f"cannot open {db} ({exc}); pass another --db") from exc
    if read_only:
        _check_version(con, db)
    else:
        migrate(con, db)
    return con


def _applied_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)""")
    return scalar(con, "SELECT coalesce(max(version), 0) FROM schema_migrations")


def _check_version(con: duckdb.DuckDBPyConnection, db: Path) -> int:
    has_table = scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'")
    version = scalar(con, "SELECT max(version) FROM schema_migrations") if has_table else 0
    if (version or 0) > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"{db} has schema version {version}, this voc knows up to {SCHEMA_VERSION}: upgrade voc"
        )
    return version or 0


def migrate(con: duckdb.DuckDBPyConnection, db: Path, steps: list[Migration] = MIGRATIONS) -> int:
    """Apply every migration the store lacks, each in its own transaction."""
    _check_version(con, db)
    current = _applied_version(con)
    for step in steps:
        if step.version <= current:
            continue
        with transaction(con):
            con.execute(step.sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)", [step.version, step.name]
            )
    return max(step.version for step in steps)


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
