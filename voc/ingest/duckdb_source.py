"""Read a table or a query's result from another DuckDB file (`voc run --source crm.duckdb --table notes`).

The file is opened read-only, and a `--query` must be a single SELECT (COPY, ATTACH and the like are refused before
anything runs). A table the file lacks is named with the tables it has; an error DuckDB raises is said on one line,
its hints kept and its drawing of the SQL dropped (`duckdb_said`). A result without rows is a quiet night, not an
error: the caller says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from voc.errors import SourceError
from voc.ingest.columns import listing
from voc.ingest.naming import file_label
from voc.ingest.rows import RawRow, text_or_none
from voc.store import quote_ident


def check_query(query: str) -> None:
    """Only one SELECT may run against a source: COPY, ATTACH, INSERT ... would act although the file is read-only."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise SourceError(f"--query is not valid SQL ({duckdb_said(exc)})") from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise SourceError("--query must be a single SELECT statement (e.g. SELECT * FROM notes WHERE ...); "
                          "other statements are refused")


def read_duckdb(path: Path, table: str | None, query: str | None) -> tuple[list[str], list[RawRow]]:
    """The result's column names and rows (none on a quiet night: the caller says so)."""
    if bool(table) == bool(query):
        raise SourceError(f"{path} is a DuckDB file: pass exactly one of --table NAME or --query SQL")
    if query:
        check_query(query)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SourceError(f"cannot open DuckDB source {path} ({duckdb_said(exc)}); is another process writing "
                          "it?") from exc
    try:
        if table:
            _check_table(con, path, table)
        result = con.execute(f"SELECT * FROM {quote_ident(table)}" if table else query)
        names = [d[0] for d in result.description]
        data = result.fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"{'--table' if table else '--query'} cannot be read from {path} ({duckdb_said(exc)}): "
                          f"check {'the table' if table else 'the SQL'}") from exc
    finally:
        con.close()
    label = file_label(path)
    return names, [RawRow(i, label, {n: text_or_none(v) for n, v in zip(names, row)})
                   for i, row in enumerate(data, start=1)]


def _check_table(con, path: Path, table: str) -> None:
    names = {n for n, in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if table not in names:
        raise SourceError(f"{path} has no table {table!r} (it has: {listing(names) or 'no tables'}); pass one of "
                          "them with --table")


def duckdb_said(exc: Exception) -> str:
    """DuckDB's error on one line: its message and hints ('Did you mean ...'), without the picture of the SQL it
    draws below them (`LINE 1: ...` and a line of `^`)."""
    lines = [line.strip() for line in str(exc).splitlines()]
    kept = [line for line in lines if line and not re.match(r"LINE \d+:", line) and set(line) != {"^"}]
    return " ".join(kept) or type(exc).__name__
