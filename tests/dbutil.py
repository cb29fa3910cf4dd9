"""Read a store in tests: a plain read-only DuckDB connection, closed after the query; and a CRM to read from."""

import duckdb


def rows(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def crm_with_one_note(path, comment_id: str, text: str, created_at: str = "2026-11-01 10:00", agent_id: str = "A01"):
    """A DuckDB file as a CRM keeps notes: table `notes` with one row (a `--table` / `--query` source)."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE notes AS SELECT ? AS comment_id, ? AS text, ?::TIMESTAMP AS created_at, "
                    "? AS agent_id", [comment_id, text, created_at, agent_id])
    finally:
        con.close()
    return path


def ingest_file(path, db) -> dict:
    """The ingest stage alone on one file, in a run of its own (source name "t"): its stats."""
    from voc.config import Settings
    from voc.ingest.read import read_source
    from voc.pipeline import ingest
    from voc.runs import start_run

    cfg = Settings(db=db)
    return ingest(cfg, start_run(cfg, "t"), read_source(path, name="t"))
