import duckdb
import pytest

from voc import store
from voc.errors import SchemaTooNewError, StoreError


def store_at_version(db, version: int) -> duckdb.DuckDBPyConnection:
    """A plain connection to a new store migrated only up to `version`: a store as an older voc left it."""
    con = duckdb.connect(str(db))
    store.migrate(con, db, steps=store.MIGRATIONS[:version])
    return con


def test_migrations_are_recorded_and_rerunnable(tmp_path):
    db = tmp_path / "v.duckdb"
    store.connect(db, create=True).close()
    con = store.connect(db)  # second open: nothing to apply
    assert ([v for v, in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
            == list(range(1, store.SCHEMA_VERSION + 1)))
    assert {"runs", "comments", "quarantine", "embeddings", "themes", "assignments", "published", "theme_workflow",
            "theme_events", "theme_lineage", "outbox", "deliveries"} <= {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()


def test_a_version_1_store_is_upgraded_with_its_data(tmp_path):
    db = tmp_path / "old.duckdb"
    con = store_at_version(db, 1)
    con.execute("INSERT INTO themes VALUES (1, 7, 1, 't', ['k'], ['r'], 3, 0.5, '{}', 0, 0, "
                "NULL, NULL, 1, 1, 0, 1, 'w')")
    con.execute("INSERT INTO published VALUES ('themes', 1)")
    con.close()
    con = store.connect(db)
    assert (con.execute("SELECT theme_id, title, status, spike FROM current_themes").fetchall()
            == [(7, "t", "new", False)])
    con.close()


def test_upgrading_redacts_who_made_changes_before_names_were_redacted(tmp_path):
    """A version 6 store kept `--by` as typed; the upgrade redacts it in every table that records who did what."""
    db = tmp_path / "v6.duckdb"
    con = store_at_version(db, 6)
    typed = "Herr Müller mueller@example.com"
    con.execute("INSERT INTO theme_events (event_id, theme_id, changed_at, changed_by, kind) VALUES "
                "(1, 7, now(), ?, 'status'), (2, 7, now(), 'anna', 'note')", [typed])
    con.execute("INSERT INTO theme_workflow (theme_id, status, updated_by) VALUES (7, 'planned', ?)", [typed])
    con.execute("INSERT INTO sentiment_corrections VALUES ('s', 'c1', 'negative', ?, now(), NULL)", [typed])
    con.execute("INSERT INTO comment_corrections VALUES ('s', 'c1', 7, ?, now())", [typed])
    con.execute("INSERT INTO theme_overrides VALUES (1, 'rename', 7, NULL, NULL, 't', 1, now(), ?)", [typed])
    con.close()
    con = store.connect(db)
    said = [con.execute(sql).fetchall() for sql in (
        "SELECT changed_by FROM theme_events ORDER BY event_id", "SELECT updated_by FROM theme_workflow",
        "SELECT set_by FROM sentiment_corrections", "SELECT corrected_by FROM comment_corrections",
        "SELECT created_by FROM theme_overrides")]
    con.close()
    redacted = [("Herr [NAME] [EMAIL]",)]
    assert said == [redacted + [("anna",)], redacted, redacted, redacted, redacted]


def test_store_from_newer_voc_is_refused(tmp_path):
    db = tmp_path / "new.duckdb"
    store.connect(db, create=True).close()
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


def test_views_lost_between_the_last_step_and_their_creation_are_rebuilt_on_the_next_open(tmp_path):
    db = tmp_path / "v.duckdb"
    store.connect(db, create=True).close()
    con = duckdb.connect(str(db))
    con.execute("DROP VIEW current_assignments")  # as if the process died after the last migration step
    con.close()
    con = store.connect(db)
    assert con.execute("SELECT count(*) FROM current_assignments").fetchall() == [(0,)]
    con.close()


def test_upgrading_keeps_the_corrections_made_before_as_the_first_of_their_history(tmp_path):
    db = tmp_path / "v8.duckdb"
    con = store_at_version(db, 8)
    con.execute("INSERT INTO sentiment_corrections VALUES ('s', 'c1', 'negative', 'anna', '2026-11-02 10:00', "
                "'positive')")
    con.close()
    con = store.connect(db)
    assert con.execute("SELECT source, comment_id, label, set_by, previous FROM sentiment_correction_history"
                       ).fetchall() == [("s", "c1", "negative", "anna", "positive")]
    con.close()


def test_upgrading_names_the_other_theme_of_a_merge_recorded_before(tmp_path):
    """A version 10 store's merge event gets the theme it took in from its run's lineage, so agents read "took in the
    comments of #8 …"; an event whose run merged two themes into it cannot say which, and stays unnamed."""
    db = tmp_path / "v10.duckdb"
    con = store_at_version(db, 10)
    con.execute("INSERT INTO theme_lineage VALUES (5, 8, 7, 'merge', 1.0), (6, 3, 9, 'merge', 1.0), "
                "(6, 4, 9, 'merge', 1.0), (5, 7, 2, 'split', 1.0)")
    con.execute("INSERT INTO theme_events (event_id, theme_id, changed_at, changed_by, kind, run_id) VALUES "
                "(1, 7, now(), 'anna', 'merge', 5), (2, 9, now(), 'voc', 'merge', 6), (3, 2, now(), 'anna', 'split', 5),"
                " (4, 7, now(), 'anna', 'status', 5)")
    con.close()
    con = store.connect(db)
    other = con.execute("SELECT event_id, other_theme_id FROM theme_events ORDER BY event_id").fetchall()
    con.close()
    assert other == [(1, 8), (2, None), (3, 7), (4, None)]
