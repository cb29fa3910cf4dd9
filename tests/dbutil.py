"""Read a store in tests: a plain read-only DuckDB connection, closed after the query."""

import duckdb


def rows(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
