"""Inputs that used to break a night (issue "Hardening"): each goes through a real flow run or the real reader."""

import csv
import io
import subprocess
import sys
import time
from datetime import datetime

import pytest
from dbutil import crm_with_one_note, rows

from flows.nightly import nightly
from voc import store
from voc.errors import RunInProgressError, SourceError, StoreLockedError
from voc.ingest.read import read_source
from voc.ingest.validate import RowInvalid, parse_timestamp, validate
from voc.ranking.trends import theme_flags

FIELDS = ["comment_id", "text", "created_at", "agent_id", "channel", "product", "team", "csat", "nps", "ticket_id"]


def demo_rows(demo_files, n):
    data = [r for r in csv.DictReader(open(demo_files.comments, encoding="utf-8"))
            if not r["comment_id"].startswith("bad")]
    return data[:n]


def as_csv(records, delimiter=","):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def runs(db):
    return rows(db, "SELECT status, error FROM runs ORDER BY run_id")


def test_one_latin1_row_among_utf8_rows_is_quarantined_and_the_rest_stored(demo_files, tmp_path):
    src = tmp_path / "drop.csv"
    src.write_bytes(as_csv(demo_rows(demo_files, 300)).encode()
                    + "x1,Grüße aus Köln,2026-11-10,A1,,,,,,\n".encode("latin-1"))
    db = tmp_path / "voc.duckdb"
    summary = nightly(str(src), str(db), source_name="t")
    assert summary["ingest"]["rows_read"] == 301 and summary["ingest"]["new"] == 300
    assert rows(db, "SELECT count(*) FROM comments")[0][0] == 300
    reason, raw = rows(db, "SELECT reason, raw FROM quarantine")[0]
    assert (reason.startswith("drop.csv line 302: broken encoding in text")
            and "Gr\\\\xfc\\\\xdfe" in raw)  # kept, as escapes


@pytest.mark.parametrize("n_rows", [1, 2, 7])
def test_a_small_file_in_another_encoding_stops_the_run_with_the_encoding_to_try(demo_files, tmp_path, n_rows):
    records = [{**r, "text": f"Grüße aus Köln, Rückruf {i}"} for i, r in enumerate(demo_rows(demo_files, n_rows))]
    src = tmp_path / "latin1.csv"
    src.write_bytes(as_csv(records).encode("latin-1"))
    db = tmp_path / "voc.duckdb"
    with pytest.raises(SourceError, match=f"{n_rows} of {n_rows} rows hold letters such as .*--encoding cp1252"):
        nightly(str(src), str(db), source_name="t")
    assert runs(db)[0][0] == "failed" and "--encoding cp1252" in runs(db)[0][1]
    assert rows(db, "SELECT count(*) FROM quarantine")[0][0] == 0 == rows(db, "SELECT count(*) FROM comments")[0][0]
    assert len(validate(read_source(src, encoding="latin-1"))[0]) == n_rows


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_excel_bom_and_utf16_files_are_read(demo_files, tmp_path, encoding):
    src = tmp_path / "excel.csv"
    src.write_bytes(as_csv(demo_rows(demo_files, 5)).encode(encoding))
    comments, rejected = validate(read_source(src))
    assert len(comments) == 5 and not rejected and comments[0].comment_id == demo_rows(demo_files, 1)[0]["comment_id"]


def test_utf16_without_a_mark_stops_with_advice_and_the_run_is_recorded_failed(demo_files, tmp_path):
    src = tmp_path / "u16.csv"
    src.write_bytes(as_csv(demo_rows(demo_files, 5)).encode("utf-16-le"))
    db = tmp_path / "voc.duckdb"
    with pytest.raises(SourceError, match="--encoding utf-16-le"):
        nightly(str(src), str(db))
    assert runs(db)[0][0] == "failed" and runs(db)[0][1].startswith(f"{src} looks like UTF-16")  # voc's line only
    assert validate(read_source(src, encoding="utf-16-le"))[0][0].text


def test_semicolon_csv_is_sniffed_and_delimiter_can_be_given(demo_files, tmp_path):
    src = tmp_path / "semi.csv"
    src.write_text(as_csv(demo_rows(demo_files, 4), delimiter=";"), encoding="utf-8")
    assert len(validate(read_source(src))[0]) == 4
    assert len(validate(read_source(src, delimiter=";"))[0]) == 4
    with pytest.raises(SourceError, match="pass --delimiter"):
        read_source(src, delimiter="|")


WRONG_DELIMITERS = [
    (";", ",", "holding ',': the delimiter looks wrong; pass --delimiter \",\", or leave --delimiter out to "
               "detect it."),
    (",", "\t", "holding tabs: the delimiter looks wrong; leave --delimiter out to detect it."),
    (",", "|", "pass --delimiter \"|\", or leave --delimiter out")]


@pytest.mark.parametrize("given, separator, said", WRONG_DELIMITERS)
def test_a_wrong_delimiter_is_said_with_the_likely_one(tmp_path, given, separator, said):
    """Walkthrough 5a F11: a comma-separated file read with --delimiter ";" (the `voc run --help` example) said a
    --map column was missing and listed the whole header as one column cut at 40 characters, with no hint."""
    src = tmp_path / "comments.csv"
    header = separator.join(["comment_id", "comment_body", "created_at", "agent_id", "channel"])
    src.write_text(f"{header}\n1{separator}App{separator}2026-11-01 10:00{separator}A01{separator}chat\n",
                   encoding="utf-8")
    for mapping in ({"comment_body": "text"}, {}):
        with pytest.raises(SourceError) as refused:
            read_source(src, mapping, delimiter=given)
        assert said in str(refused.value) and "…)" in str(refused.value), refused.value  # the cut column is marked
    spaced = tmp_path / "spaced.csv"  # one column without a delimiter voc knows: the general hint
    spaced.write_text(header.replace(separator, " ") + "\n1 App\n", encoding="utf-8")
    with pytest.raises(SourceError, match="The header has one column only: is the file separated by another "
                                          "character\\? pass --delimiter$"):
        read_source(spaced)


def test_a_field_over_131072_characters_is_stored_whole_and_marked(demo_files, tmp_path):
    records = demo_rows(demo_files, 40)
    records[0]["text"] = "Kunde schickt den ganzen Mailverlauf " + "bla " * 40_000
    src = tmp_path / "long.csv"
    src.write_text(as_csv(records), encoding="utf-8")
    db = tmp_path / "voc.duckdb"
    summary = nightly(str(src), str(db), source_name="t", max_text_chars=1000)
    assert summary["ingest"]["truncated"] == 1
    length, truncated = rows(db, "SELECT length(text), truncated FROM comments WHERE comment_id = ?",
                             [records[0]["comment_id"]])[0]
    assert length > 131_072 and truncated


def test_a_lost_emoji_is_kept():
    batch = read_source_text("1,Danke \ufffd super,2026-11-01,A1\n")
    assert validate(batch)[0][0].text == "Danke \ufffd super"


def read_source_text(body, tmp=[]):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "in.csv"
    path.write_text("comment_id,text,created_at,agent_id\n" + body, encoding="utf-8")
    return read_source(path)


def test_a_first_run_over_three_days_publishes(tmp_path):
    from voc.demo import generate

    files = generate(tmp_path / "short", n_comments=200, n_days=3, seed=5)
    summary = nightly(str(files.comments), str(tmp_path / "voc.duckdb"), source_name="t")
    assert summary["themes"] > 0


def test_flags_on_less_than_one_period():
    import numpy as np

    stamps = [datetime(2026, 11, 1 + d % 3, 9) for d in range(30)]
    flags = theme_flags(np.array([1] * 30), stamps, period_days=7)
    assert not flags[1].spike and not flags[1].emerging


def test_dates_ranges_day_first_and_utc(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # the server's zone must not leak into stored times
    time.tzset()
    try:
        assert parse_timestamp("2026-11-02T14:30:00Z") == datetime(2026, 11, 2, 14, 30)
        assert parse_timestamp("2026-11-02T14:30:00+05:00") == datetime(2026, 11, 2, 9, 30)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert parse_timestamp("03/04/2026") == datetime(2026, 4, 3)
    assert parse_timestamp("03/04/2026", date_order="mdy") == datetime(2026, 3, 4)
    for value in ("2099-01-01", "0001-01-01", "1970-01-01"):
        with pytest.raises(RowInvalid, match="is outside"):
            parse_timestamp(value, now=datetime(2026, 11, 20))


def test_the_same_comments_under_another_file_name_are_one_comment(demo_files, tmp_path):
    text = as_csv(demo_rows(demo_files, 30))
    (tmp_path / "export_1.csv").write_text(text, encoding="utf-8")
    (tmp_path / "export_2.csv").write_text(text, encoding="utf-8")
    db = tmp_path / "voc.duckdb"
    nightly(str(tmp_path / "export_1.csv"), str(db))
    again = nightly(str(tmp_path / "export_2.csv"), str(db))
    assert rows(db, "SELECT count(*) FROM comments")[0][0] == 30
    assert again["ingest"]["skipped_files"] == ["export_2.csv (imported in run 1)"]  # exact re-import recognised
    assert again["ingest"]["skipped_rows"] == 30 and again["ingest"]["new"] == 0
    assert again["ingest"]["rows_read"] == again["ingest"]["files_read"] == 0  # a skipped file's rows are not read


def test_rereading_a_file_does_not_add_its_quarantined_rows_again(demo_files, tmp_path):
    records = demo_rows(demo_files, 30)
    bad = {**records[0], "comment_id": "bad", "created_at": "gestern"}
    src = tmp_path / "drop.csv"
    src.write_text(as_csv(records[:20] + [bad]), encoding="utf-8")
    db = tmp_path / "voc.duckdb"
    nightly(str(src), str(db), source_name="t")
    src.write_text(as_csv(records + [bad]), encoding="utf-8")  # the next export: 10 more rows, the same bad one
    summary = nightly(str(src), str(db), source_name="t")
    assert summary["ingest"]["quarantined"] == 1 and summary["ingest"]["quarantined_before"] == 1
    assert rows(db, "SELECT count(*) FROM quarantine")[0][0] == 1


def hold(code: str) -> subprocess.Popen:
    """A second process that runs `code` with the store, prints ok, and holds on until killed."""
    proc = subprocess.Popen([sys.executable, "-c", code + "\nprint('ok', flush=True)\nimport time; time.sleep(120)"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ok"
    return proc


def test_a_second_run_on_the_same_store_is_refused_with_a_clear_message(published_db, store_copy, demo_files):
    holder = hold(f"from voc import store; import contextlib; s = contextlib.ExitStack(); "
                  f"s.enter_context(store.run_lock({str(store_copy)!r}))")
    try:
        with pytest.raises(RunInProgressError, match="another voc run is using .*pid"):
            nightly(str(demo_files.comments), str(store_copy), source_name="demo")
    finally:
        holder.kill()
        holder.wait()
    assert all(status != "running" for status, _ in runs(store_copy))
    assert nightly(str(demo_files.comments), str(store_copy), source_name="demo")["ingest"]["new"] == 0


def test_a_reader_during_a_run_makes_it_wait_not_fail(store_copy, demo_files):
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(store_copy)!r}, "
                               "read_only=True); print('ok', flush=True); time.sleep(3)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ok"
    summary = nightly(str(demo_files.comments), str(store_copy), source_name="demo")
    holder.wait()
    assert summary["run_id"] and runs(store_copy)[-1][0] == "succeeded"


def test_a_store_held_past_the_wait_fails_the_run_with_one_clear_error(store_copy, demo_files, monkeypatch):
    monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 0.5)
    holder = hold(f"import duckdb; c = duckdb.connect({str(store_copy)!r}, read_only=True)")
    try:
        with pytest.raises(StoreLockedError) as said:
            nightly(str(demo_files.comments), str(store_copy), source_name="demo")
        # fits `voc run` and a deployment, whose parameter is `db`: not "pass another --db"
        assert str(said.value) == (f"{store_copy} is in use by another process; wait for it to finish, or use "
                                   "another store (--db, or a deployment's db parameter)")
    finally:
        holder.kill()
        holder.wait()


def test_a_run_left_running_by_a_dead_process_is_marked_failed_by_the_next(store_copy, demo_files):
    with store.open(store_copy, write=True) as con:  # what a run killed mid-flight leaves behind
        con.execute("INSERT INTO runs (run_id, started_at, status) VALUES (nextval('run_id_seq'), now(), 'running')")
    nightly(str(demo_files.comments), str(store_copy), source_name="demo")
    statuses = runs(store_copy)
    assert all(status != "running" for status, _ in statuses)
    assert any(error and error.startswith("interrupted") for _, error in statuses)


def test_a_source_query_may_only_read(tmp_path):
    db = crm_with_one_note(tmp_path / "crm.duckdb", "d1", "Hotline besetzt", "2026-11-03 10:00", "A3")
    target = tmp_path / "leak.csv"
    for query in (f"COPY notes TO '{target}'", "SELECT 1; DROP TABLE notes", "ATTACH 'x.duckdb'"):
        with pytest.raises(SourceError, match="single SELECT"):
            read_source(db, query=query)
    assert not target.exists()
    assert validate(read_source(db, query="SELECT * FROM notes"))[0][0].text == "Hotline besetzt"


def test_ids_with_control_characters_are_quarantined():
    comments, rejected = validate(read_source_text('1,ok,2026-11-01,"A1\nevil"\n2,ok,2026-11-01,A2\n'))
    assert [c.comment_id for c in comments] == ["2"] and "agent_id must be one line" in rejected[0].reason


def test_only_io_errors_that_may_pass_are_retried():
    from prefect.states import Failed

    from flows.nightly import transient
    from voc.errors import StoreLockedError

    retried = {type(exc).__name__: transient(None, None, Failed(data=exc)) for exc in
               (StoreLockedError("held"), TimeoutError("slow share"), ConnectionResetError("dropped"),
                SourceError("bad file"), TypeError("bug"), KeyError("bug"), FileNotFoundError("gone"))}
    assert retried == {"StoreLockedError": True, "TimeoutError": True, "ConnectionResetError": True,
                       "SourceError": False, "TypeError": False, "KeyError": False, "FileNotFoundError": False}


def test_a_voc_error_a_task_gave_up_on_is_logged_as_its_line_without_a_traceback():
    """Walkthrough 6b: a Prefect worker loading the deployment's entrypoint logged the held store, retried and
    given up, with two chained tracebacks. Importing `flows.nightly` (as a worker does) keeps the line only."""
    import logging

    from prefect import flow

    from flows.nightly import io_task

    def held_store():
        try:
            raise OSError("IO Error: Could not set lock on file")  # DuckDB's, chained as the real one is
        except OSError as exc:
            raise StoreLockedError("x.duckdb is in use by another process; wait for it to finish") from exc

    attempt = io_task(held_store).__wrapped__.with_options(retries=1, retry_delay_seconds=0)

    @flow
    def night():
        attempt()

    records: list[logging.LogRecord] = []
    catch = logging.Handler()
    catch.emit = records.append
    logger = logging.getLogger("prefect.task_runs")
    kept = logger.filters[:]  # as a worker has them: without the filter a `voc run` in this process added
    logger.filters = [f for f in kept if type(f).__name__ != "_VocErrorsSaidOnce"]
    logger.addHandler(catch)
    try:
        with pytest.raises(StoreLockedError):
            night()
    finally:
        logger.removeHandler(catch)
        logger.filters = kept
    said = [logging.Formatter().format(r) for r in records]
    assert any("StoreLockedError" in line and "Retries are exhausted" in line for line in said), said
    assert not any("Traceback" in line for line in said), said


def test_voc_run_with_a_bad_source_prints_one_line_and_no_traceback(tmp_path):
    from prefect.settings import PREFECT_API_URL

    bad = tmp_path / "bad.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    env = {**__import__("os").environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    result = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--source", str(bad), "--db",
                             str(tmp_path / "voc.duckdb")], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "lacks required column(s)" in errors[0]
