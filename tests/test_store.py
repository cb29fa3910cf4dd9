import duckdb
import pytest

from voc import store
from voc.errors import SchemaTooNewError, StoreError


def test_migrations_are_recorded_and_rerunnable(tmp_path):
    db = tmp_path / "v.duckdb"
    store.connect(db).close()
    con = store.connect(db)  # second open: nothing to apply
    assert con.execute("SELECT version, name FROM schema_migrations").fetchall() == [(1, "initial schema")]
    assert {"runs", "comments", "quarantine", "embeddings", "themes", "assignments", "published"} <= {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()


def test_store_from_newer_voc_is_refused(tmp_path):
    db = tmp_path / "new.duckdb"
    store.connect(db).close()
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO schema_migrations VALUES (99, 'future', now())")
    con.close()
    with pytest.raises(SchemaTooNewError, match="upgrade voc"):
        store.connect(db)


def test_identifiers_are_quoted_and_checked():
    assert store.quote_ident("themes") == '"themes"'
    with pytest.raises(StoreError):
        store.quote_ident('themes"; DROP TABLE runs; --')


def test_not_a_duckdb_file(tmp_path):
    bad = tmp_path / "notes.duckdb"
    bad.write_text("hello")
    with pytest.raises(StoreError, match="not a DuckDB file"):
        store.connect(bad)
    with pytest.raises(StoreError, match="no voc store"):
        store.connect(tmp_path / "missing.duckdb", read_only=True)
