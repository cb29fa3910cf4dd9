"""A source night after night as an operator meets it (walkthrough 2): a drop folder whose export's columns changed,
rows quarantined and later stored, a quiet night of a `--query`, a failed run in `voc runs`, and the labels a
night's sentiment accuracy was measured on.

Real `voc run` commands (Typer's runner) on real DuckDB files, with Prefect flow runs against the test API.
"""

import csv
import io
import json

import duckdb
import pytest
from dbutil import rows
from typer.testing import CliRunner

from flows.cli import app
from flows.summary import ingest_lines
from voc.cli.common import sentiment_summary
from voc.errors import SourceError
from voc.ingest.read import read_source

FIELDS = ["comment_id", "text", "created_at", "agent_id", "channel", "product", "team", "csat", "nps", "ticket_id"]
QUIET_QUERY = "SELECT * FROM notes WHERE created_at > now() - INTERVAL 1 DAY"  # README's nightly example


def invoke(*args, columns: int | None = None):
    return CliRunner(env={"COLUMNS": str(columns)} if columns else None).invoke(app, [str(a) for a in args])


def demo_rows(demo_files, n: int, skip: int = 0) -> list[dict]:
    with open(demo_files.comments, encoding="utf-8") as fh:
        good = [r for r in csv.DictReader(fh) if not r["comment_id"].startswith("bad")]
    return [{k: r[k] for k in FIELDS} for r in good[skip:skip + n]]


def as_csv(records: list[dict], rename: dict[str, str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([(rename or {}).get(f, f) for f in FIELDS])
    writer.writerows([[r[f] for f in FIELDS] for r in records])
    return out.getvalue()


def published(db) -> int:
    return rows(db, "SELECT run_id FROM published")[0][0]


def themes(db) -> list[tuple]:
    return rows(db, "SELECT theme_id, title, size FROM current_themes ORDER BY theme_id")


@pytest.fixture(scope="module")
def nights(tmp_path_factory, demo_files):
    """Night 1: a.csv with 3 rows quarantined for their date and one repeating an id. Night 2: b.csv from a CRM that
    renamed `text` to `comment`. Night 3: the same folder with --map text=comment. Night 4: c.csv with the 3
    quarantined rows fixed. Night 5: the README's nightly --query on a day without new rows."""
    base = tmp_path_factory.mktemp("nights")
    drops, db = base / "drops", base / "voc.duckdb"
    drops.mkdir()
    good = demo_rows(demo_files, 90)
    late = [{**r, "created_at": "gestern"} for r in good[75:78]]
    repeat = {**good[1], "comment_id": good[0]["comment_id"]}
    (drops / "a.csv").write_text(as_csv(good[:60] + late + [repeat]), encoding="utf-8")
    night = {1: invoke("run", "--source", drops, "--db", db)}
    night["published_1"], night["themes_1"] = published(db), themes(db)
    (drops / "b.csv").write_text(as_csv(good[60:75], rename={"text": "comment"}), encoding="utf-8")
    night[2] = invoke("run", "--source", drops, "--db", db)
    night["published_2"], night["themes_2"] = published(db), themes(db)
    night[3] = invoke("run", "--source", drops, "--db", db, "--map", "text=comment")
    (drops / "c.csv").write_text(as_csv(good[75:78]), encoding="utf-8")
    night[4] = invoke("run", "--source", drops, "--db", db, "--map", "text=comment")
    night["published_4"], night["themes_4"] = published(db), themes(db)
    crm = base / "crm.duckdb"
    with duckdb.connect(str(crm)) as con:  # the CRM's notes, all older than a day
        con.execute("CREATE TABLE notes AS SELECT comment_id, text, created_at::TIMESTAMP - INTERVAL 400 DAY AS "
                    f"created_at, agent_id FROM read_csv('{drops / 'a.csv'}', all_varchar = true) LIMIT 10")
    night[5] = invoke("run", "--source", crm, "--query", QUIET_QUERY, "--db", db)
    return {**night, "db": db, "drops": drops, "crm": crm}


def test_a_file_in_a_drop_folder_whose_columns_changed_stops_the_night_and_is_read_once_fixed(nights):
    """As a file given alone: the file-level line naming the file, the missing column and the --map that fixes it,
    a failed run, a non-zero exit and the last results untouched; nothing of the night is stored (b.csv was
    quarantined row by row as 'text is missing', 15 lines, exit 0), so the same bytes are read with --map."""
    db, second = nights["db"], nights[2]
    assert nights[1].exit_code == 0, nights[1].output
    assert second.exit_code == 2, second.output
    assert "b.csv lacks required column(s) text (it has: agent_id, channel, comment, " in second.output
    assert "map yours with e.g. --map text=<your column>" in second.output and "fix b.csv" in second.output
    assert "text is missing" not in second.output
    assert rows(db, "SELECT status FROM runs WHERE run_id = 2") == [("failed",)]
    assert nights["published_2"] == nights["published_1"] and nights["themes_2"] == nights["themes_1"]
    assert rows(db, "SELECT count(*) FROM quarantine WHERE run_id = 2 OR reason LIKE 'b.csv%'") == [(0,)]
    assert rows(db, "SELECT file_name FROM imports ORDER BY run_id") == [("a.csv",), ("b.csv",), ("c.csv",)]
    third = nights[3]
    assert third.exit_code == 0, third.output
    assert "read 15 rows from 1 file (1 file skipped: same content as before): 15 new, 0 already known, " \
           "0 quarantined" in third.output


def test_voc_runs_shows_a_failed_runs_whole_error_without_the_class_name(tmp_path):
    """It was cut at 80 characters mid-word behind 'SourceError: '; recorded and shown whole now, wrapped also in a
    narrow terminal. A run recorded with the class name by an older voc is shown without it."""
    broken, db = tmp_path / "broken.csv", tmp_path / "voc.duckdb"
    broken.write_text("id,body,when\n1,App stürzt ab,2026-11-01\n", encoding="utf-8")
    run = invoke("run", "--source", broken, "--db", db)
    said = run.output
    assert run.exit_code == 2, said
    error = rows(db, "SELECT error FROM runs WHERE run_id = 1")[0][0]
    assert said.strip() == f"error: {error}" and error.startswith(f"{broken} lacks required column(s) comment_id")
    assert error.endswith('map yours with e.g. --map comment_id=<your column> (a deployment\'s parameter: mapping: '
                          '["comment_id=<your column>"]).')  # a Prefect deployment has no --map
    with duckdb.connect(str(db)) as con:  # as voc recorded failures before
        con.execute("INSERT INTO runs (run_id, started_at, status, error) VALUES (2, now(), 'failed', ?)",
                    [f"SourceError: {error}"])
    for width in (80, 200):
        table = invoke("runs", "--db", db, columns=width).output
        cells = [line.split("│") for line in table.splitlines() if line.count("│") > 4]
        status = " ".join(c[4].strip() for c in cells)  # run, started, took, status
        assert status.count("failed:") == 2 and "SourceError" not in table, table
        for shown in status.split("failed:")[1:]:
            assert "".join(shown.split()) == "".join(error.split()), table  # every word, in order


def test_rows_quarantined_earlier_are_resolved_when_a_later_run_stores_their_comments(nights):
    """The 3 rows with a bad date, exported again with their date fixed: stored, so `voc quarantine` no longer lists
    them as open (they stayed listed although the comments were in the store); `--resolved` shows them with the
    run that stored them. The row that repeats an id stays open: the comment stored is the other row."""
    db, fourth = nights["db"], nights[4]
    assert fourth.exit_code == 0, fourth.output
    assert "3 new" in fourth.output and "3 row(s) quarantined by earlier runs are now stored" in fourth.output
    open_rows = invoke("quarantine", "--db", db, columns=200).output
    assert "created_at 'gestern'" not in open_rows and "repeats line 2" in open_rows, open_rows
    assert "3 quarantined row(s) not listed: a later run stored their comment" in open_rows
    resolved = invoke("quarantine", "--db", db, "--resolved", columns=200).output
    listed = [line.split("│") for line in resolved.splitlines() if "gestern" in line]
    assert len(listed) == 3 and {cells[4].strip() for cells in listed} == {"4"}, resolved
    assert "repeats" not in resolved
    assert rows(db, "SELECT count(*) FROM quarantine") == [(4,)]  # kept for the record



def test_the_web_runs_page_lists_only_the_open_quarantined_rows(nights, tmp_path):
    """As `voc quarantine`: the 3 rows a later run stored are counted as resolved, not listed as open."""
    from tests.test_web import PM
    from tests.test_web_store_busy import pm_app

    from voc import store
    from voc.web import users

    db = tmp_path / "voc.duckdb"
    db.write_bytes(nights["db"].read_bytes())
    with store.open(db, write=True) as con:
        users.add(con, PM[0], "pm", PM[1])
    with pm_app(db) as (client, _, _):
        page = client.get("/runs").text
    quarantine = page.split("<h2>Quarantine", 1)[1].split("<h2>", 1)[0]
    assert "(1 open, 3 resolved by a later run)" in quarantine, quarantine
    assert "repeats line 2" in quarantine and "gestern" not in quarantine


def test_a_query_without_rows_is_a_quiet_night_not_a_failure(nights):
    """README's nightly --query on a day without new notes failed the run ('has no data rows', exit 2): now it
    succeeds, says so, and the themes stay as they were."""
    db, quiet = nights["db"], nights[5]
    assert quiet.exit_code == 0, quiet.output
    assert "  the query returned no rows: nothing new tonight; the published themes stay as they were" in quiet.output
    assert rows(db, "SELECT status FROM runs WHERE run_id = 5") == [("succeeded",)]
    assert published(db) == 5 and themes(db) == nights["themes_4"]
    stats = json.loads(rows(db, "SELECT stats FROM runs WHERE run_id = 5")[0][0])
    assert stats["ingest"]["no_rows"] == "the query returned no rows" and stats["ingest"]["rows_read"] == 0


def test_a_query_without_rows_on_a_store_without_comments_says_there_is_nothing_to_publish(nights, tmp_path):
    """Walkthrough 5a F9: on a fresh store it said 'the published themes stay as they were' (there were none), then
    failed with 'every row was quarantined or no source was read' (none was, the source was read), exit 5. One true
    line now, exit 5 (nothing to do); the published themes are said to stay only where there are some."""
    db = tmp_path / "fresh.duckdb"
    quiet = invoke("run", "--source", nights["crm"], "--query", QUIET_QUERY, "--db", db)
    said = [line for line in quiet.output.splitlines() if not line.startswith(("voc - ", "  voc - "))]
    assert quiet.exit_code == 5, quiet.output
    assert said == ["error: the query returned no rows and the store has no comments yet: nothing to publish"], said
    assert rows(db, "SELECT status, error FROM runs") == [("failed", said[0].removeprefix("error: "))]
    stats = json.loads(rows(nights["db"], "SELECT stats FROM runs WHERE run_id = 5")[0][0])["ingest"]
    assert stats["published"] is True  # the quiet night on a store with published themes
    unpublished = ingest_lines({**stats, "published": False}, db)
    assert "  the query returned no rows: nothing new tonight" in unpublished and "published" not in str(unpublished)


def test_a_table_without_rows_is_quiet_but_a_file_without_rows_or_a_part_without_a_column_is_refused(nights, tmp_path):
    crm = tmp_path / "crm.duckdb"
    with duckdb.connect(str(crm)) as con:
        con.execute("CREATE TABLE quiet (comment_id VARCHAR, text VARCHAR, created_at TIMESTAMP, agent_id VARCHAR)")
        con.execute("CREATE TABLE renamed (comment_id VARCHAR, body VARCHAR, created_at TIMESTAMP, agent_id VARCHAR)")
    batch = read_source(crm, table="quiet")
    assert batch.rows == [] and batch.no_rows == "table quiet has no rows"
    with pytest.raises(SourceError, match=r"lacks required column\(s\) text \(it has: agent_id, body,"):
        read_source(crm, table="renamed")  # a quiet night does not hide a renamed column
    assert read_source(crm, {"body": "text"}, table="renamed").no_rows == "table renamed has no rows"
    header_only = tmp_path / "cut.csv"
    header_only.write_text(",".join(FIELDS) + "\n", encoding="utf-8")
    alone = invoke("run", "--source", header_only, "--db", tmp_path / "s.duckdb")
    assert alone.exit_code == 2 and "cut.csv has no data rows below its header: an export cut short? export the " \
                                   "comments again" in alone.output, alone.output


def test_a_nights_sentiment_line_says_the_labels_its_accuracy_was_measured_on(store_copy, demo_files, tmp_path):
    """An incremental night said 'it agrees with the store's 2155 labels ... 59% ... (measured by run 1)' where run 1
    had measured on 2060: the accuracy now goes with the full run's labels, the store's count is said apart."""
    full = json.loads(rows(store_copy, "SELECT stats FROM runs WHERE run_id = 1")[0][0])["sentiment"]
    assert full["holdout_accuracy"] is not None, full  # the demo's CSAT/NPS labels: measured by the full run
    newest = max(r[0] for r in rows(store_copy, "SELECT max(created_at) FROM comments"))
    extra = [{**r, "comment_id": f"later-{i}", "created_at": str(newest)[:19], "csat": "1"}
             for i, r in enumerate(demo_rows(demo_files, 12))]
    (tmp_path / "later.csv").write_text(as_csv(extra), encoding="utf-8")
    result = invoke("run", "--source", tmp_path / "later.csv", "--db", store_copy, "--source-name", "demo")
    assert result.exit_code == 0 and "incremental run" in result.output, result.output
    night = json.loads(rows(store_copy, "SELECT stats FROM runs WHERE run_id = 2")[0][0])
    s = night["sentiment"]
    measured, now = full["labels_trained_on"], s["labels_human"] + s["labels_score"]
    assert now == measured + 12 and s["holdout_labels"] == measured and s["holdout_run"] == 1
    for method in ({}, {"method": "label-free", "head_beaten": True, "head_run": None}):  # as the full run decided
        said = sentiment_summary({"sentiment": {**s, **method}})
        measured_part, now_part = said.split("; the store now has ")
        assert f"{full['holdout_accuracy']:.0%}" in measured_part and "run 1" in measured_part, said
        assert f"the store's {measured} labels" in measured_part and f"{now} labels" not in measured_part, said
        assert now_part.startswith(f"{now} labels"), said


def test_the_readme_run_after_voc_demo_finds_the_demo_already_imported(demo_files, tmp_path, monkeypatch):
    """Walkthrough 5a F7: `voc demo` filed the demo under the source name `demo`, README's next command
    (`voc run --source data/demo/comments.csv`, as the prefect.yaml deployments) under `default`: every comment was
    imported a second time, the bad rows quarantined twice. The demo now uses the default source name."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VOC_DB", raising=False)
    demo_dir = tmp_path / "data" / "demo"
    demo_dir.mkdir(parents=True)
    good = demo_rows(demo_files, 80)
    bad = {**good[0], "comment_id": "bad-1", "created_at": "gestern"}
    (demo_dir / "comments.csv").write_text(as_csv(good + [bad]), encoding="utf-8")
    demo = invoke("demo")
    db = tmp_path / "data" / "voc.duckdb"
    assert demo.exit_code == 0 and db.exists(), demo.output
    readme = invoke("run", "--source", "data/demo/comments.csv")
    assert readme.exit_code == 0, readme.output
    assert "(1 file skipped: same content as before): 0 new, 0 already known, 0 quarantined" in readme.output
    (demo_dir / "resent.csv").write_text(as_csv([bad] + good[::-1]), encoding="utf-8")  # the export sent again
    copy = invoke("run", "--source", demo_dir / "resent.csv")
    assert copy.exit_code == 0, copy.output
    assert "read 81 rows from 1 file: 0 new, 80 already known, 1 quarantined" in copy.output
    assert rows(db, "SELECT DISTINCT source FROM comments") == [("default",)]
    assert rows(db, "SELECT count(*) FROM comments") == [(80,)]
    assert rows(db, "SELECT DISTINCT source FROM quarantine") == [("default",)]


def test_voc_demo_again_on_a_store_an_older_voc_demo_made_imports_nothing_twice(demo_files, tmp_path, monkeypatch):
    """A store an older `voc demo` made holds the demo under the source name `demo`: `voc demo` run again there keeps
    that name, so every comment is known (with the default name all of them were imported a second time)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VOC_DB", raising=False)
    demo_dir = tmp_path / "data" / "demo"
    demo_dir.mkdir(parents=True)
    (demo_dir / "comments.csv").write_text(as_csv(demo_rows(demo_files, 80)), encoding="utf-8")
    older = invoke("run", "--source", "data/demo/comments.csv", "--source-name", "demo")  # what voc demo did
    assert older.exit_code == 0, older.output
    again = invoke("demo", "--db", "data/voc.duckdb")
    assert again.exit_code == 0, again.output
    assert rows(tmp_path / "data" / "voc.duckdb", "SELECT source, count(*) FROM comments GROUP BY source") == [
        ("demo", 80)]
