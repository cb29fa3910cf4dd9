"""A file read again: read another way (the `--date-order` a quarantine reason asked for), or with `--reread`.

Real `voc run` commands (Typer's runner) on real DuckDB files, with Prefect flow runs against the test API. (A file
in the wrong encoding no longer gets this far: a Windows-1252 export read as UTF-8 stops before anything is
imported, `tests/test_read_robust.py`.)
"""

import json

import pytest
from dbutil import ingest_file, rows
from test_cli_run import _counts, as_csv, demo_rows, invoke

US_DATES = 8  # rows dated month first (11/25/2026), which the default day-first order cannot read


@pytest.fixture(scope="module")
def cp1252_nights(tmp_path_factory, demo_files):
    """A US export read day first, then the same bytes again, then with --date-order mdy, then --reread."""
    base = tmp_path_factory.mktemp("reread")
    good = demo_rows(demo_files, 30)
    for i, r in enumerate(good[:US_DATES]):
        r["created_at"] = f"10/{14 + i}/2026 10:00"
    src, db = base / "export.csv", base / "s.duckdb"
    src.write_text(as_csv(good), encoding="utf-8")
    nights = [invoke("run", "--source", src, "--db", db, "--source-name", "crm", *extra)
              for extra in ((), (), ("--date-order", "mdy"), ("--date-order", "mdy"),
                            ("--date-order", "mdy", "--reread"))]
    return {"db": db, "nights": nights, "bad": US_DATES}


def test_a_file_read_with_the_wrong_encoding_is_read_again_with_the_right_one(cp1252_nights):
    """(The name is historical: the option the quarantine reason asks for is now the date order.)"""
    db, (wrong, same, right, right_again, _) = cp1252_nights["db"], cp1252_nights["nights"]
    bad = cp1252_nights["bad"]
    for night in cp1252_nights["nights"]:
        assert night.exit_code == 0, night.output
    assert _counts(wrong.output) == {"read": 30, "new": 30 - bad, "known": 0, "quarantined": bad}
    reasons = [r for r, in rows(db, "SELECT reason FROM quarantine WHERE run_id = 1")]
    assert len(reasons) == bad and all("or pass --date-order mdy" in r for r in reasons), reasons
    # the same bytes read the same way: skipped, and the line says how to read them again
    assert "skipped export.csv (imported in run 1): same content read the same way" in same.output
    assert "--reread reads it again" in same.output
    assert _counts(right.output) == {"read": 30, "new": bad, "known": 30 - bad, "quarantined": 0}
    assert f"{bad} row(s) quarantined by earlier runs are now stored" in right.output
    assert rows(db, "SELECT count(*) FROM comments WHERE created_at::DATE BETWEEN '2026-10-14' AND '2026-10-21' "
                    "AND created_at::TIME = '10:00:00'")[0][0] == US_DATES
    open_rows = rows(db, "SELECT count(*) FROM quarantine q WHERE NOT EXISTS (SELECT 1 FROM comments c "
                         "WHERE c.source = q.source AND c.comment_id = q.comment_id AND c.first_run_id > q.run_id)")
    assert open_rows == [(0,)]
    assert "skipped export.csv (imported in run 3)" in right_again.output  # read the right way: skipped again


def test_reread_reads_a_file_imported_the_same_way_again(cp1252_nights):
    reread = cp1252_nights["nights"][4]
    assert "skipped export.csv" not in reread.output
    assert _counts(reread.output) == {"read": 30, "new": 0, "known": 30, "quarantined": 0}
    stats = json.loads(rows(cp1252_nights["db"], "SELECT stats FROM runs WHERE run_id = 5")[0][0])
    assert stats["ingest"]["files_read"] == 1 and stats["ingest"]["skipped_files"] == []
    assert rows(cp1252_nights["db"], "SELECT count(*), max(run_id) FROM imports") == [(1, 5)]  # its last read kept


@pytest.fixture(scope="module")
def edited_nights(tmp_path_factory, demo_files):
    """A night's export, then the same comments with three texts added to, then again, then yesterday's again with
    one comment more."""
    base = tmp_path_factory.mktemp("edited")
    day1 = demo_rows(demo_files, 20)
    edited = [{**r, "text": r["text"] + " NACHTRAG: Kunde hat erneut angerufen."} if i < 3 else r
              for i, r in enumerate(day1)]
    files = {"day1.csv": day1, "day2.csv": edited, "day3.csv": day1 + demo_rows(demo_files, 1, skip=20)}
    for name, records in files.items():
        (base / name).write_text(as_csv(records), encoding="utf-8")
    db = base / "s.duckdb"
    nights = [invoke("run", "--source", base / name, "--db", db, *extra)
              for name, extra in (("day1.csv", ()), ("day2.csv", ()), ("day2.csv", ("--reread",)), ("day3.csv", ()))]
    return {"db": db, "nights": nights, "ids": [r["comment_id"] for r in day1[:3]]}


def test_a_known_comment_with_another_text_is_quarantined_and_counted(edited_nights):
    db, (_, edited, again, more) = edited_nights["db"], edited_nights["nights"]
    for night in edited_nights["nights"]:
        assert night.exit_code == 0, night.output
    assert _counts(edited.output) == {"read": 20, "new": 0, "known": 17, "quarantined": 3}
    assert "3 known comment(s) arrived with a different text: the stored version is kept" in edited.output
    reasons = rows(db, "SELECT comment_id, reason FROM quarantine ORDER BY comment_id")
    assert [c for c, _ in reasons] == sorted(edited_nights["ids"])
    assert all(r.endswith("was imported in run 1 with another text; the stored version is kept") for _, r in reasons)
    assert not any("NACHTRAG" in r for _, r in reasons)  # the reason does not repeat the text
    assert rows(db, "SELECT count(*) FROM comments WHERE text LIKE '%NACHTRAG%'") == [(0,)]
    # the same changed rows again: counted again, kept once; an identical re-delivery stays quiet
    assert _counts(again.output)["quarantined"] == 3 and rows(db, "SELECT count(*) FROM quarantine") == [(3,)]
    assert _counts(more.output) == {"read": 21, "new": 1, "known": 20, "quarantined": 0}
    assert "different text" not in more.output


def test_a_comment_stored_under_older_redaction_rules_is_the_same_comment_when_it_arrives_again(tmp_path):
    """An overlapping export re-delivers yesterday's comments: one stored by an older voc, whose rules missed a name
    today's rules redact, is "already known", not "arrived with another text"; an added note still is changed."""
    import duckdb

    from voc.text.util import text_hash

    header = "comment_id,text,created_at,agent_id\n"
    first = "c1,Rechnung von Anna Freeman doppelt,2026-11-01 10:00,A07\nc2,Paket fehlt,2026-11-01 10:00,A07\n"
    (tmp_path / "day1.csv").write_text(header + first, encoding="utf-8")
    db = tmp_path / "voc.duckdb"
    ingest_file(tmp_path / "day1.csv", db)
    older = "Rechnung von Anna Freeman doppelt"  # as a voc without the first-name rule stored it
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE comments SET text = ?, text_hash = ? WHERE comment_id = 'c1'", [older, text_hash(older)])
    (tmp_path / "day2.csv").write_text(header + first.replace("fehlt", "fehlt NACHTRAG: erneut angerufen"),
                                       encoding="utf-8")
    stats = ingest_file(tmp_path / "day2.csv", db)
    assert (stats["already_known"], stats["changed"]) == (1, 1), stats
    assert [c for c, in rows(db, "SELECT comment_id FROM quarantine")] == ["c2"]
