"""`voc run` as a new user meets it: where the report goes, what the run summary says, a drop folder night by night.

Real `voc run` commands (Typer's runner) on real DuckDB files, with Prefect flow runs against the test API.
"""

import csv
import io
import json
import re

import pytest
from dbutil import rows
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()
FIELDS = ["comment_id", "text", "created_at", "agent_id", "channel", "product", "team", "csat", "nps", "ticket_id"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def demo_rows(demo_files, n: int, skip: int = 0) -> list[dict]:
    with open(demo_files.comments, encoding="utf-8") as fh:
        good = [r for r in csv.DictReader(fh) if not r["comment_id"].startswith("bad")]
    return [{k: r[k] for k in FIELDS} for r in good[skip:skip + n]]


def as_csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


@pytest.fixture(scope="module")
def drop_nights(tmp_path_factory, demo_files):
    """Two `voc run` nights on a drop folder, with a store in a folder that already holds someone's report.html."""
    base = tmp_path_factory.mktemp("drops")
    drops, stores = base / "drops", base / "stores"
    drops.mkdir()
    stores.mkdir()
    (stores / "report.html").write_text("someone else's report", encoding="utf-8")
    good = demo_rows(demo_files, 75)
    bad = [{**good[0], "comment_id": f"bad-{i}", "created_at": "gestern"} for i in range(7)]
    (drops / "a.csv").write_text(as_csv(good[:60] + bad), encoding="utf-8")
    (drops / "c.csv").write_bytes(b"")  # an export that failed
    db = stores / "one.duckdb"
    first = invoke("run", "--source", drops, "--db", db, "--source-name", "demo")
    # the next night: a.csv again as it was, b.csv with 5 comments the store has, 10 new ones and a bad one
    (drops / "b.csv").write_text(as_csv(good[:5] + good[60:70] + bad[:1]), encoding="utf-8")
    second = invoke("run", "--source", drops, "--db", db, "--source-name", "demo")
    return {"base": base, "drops": drops, "stores": stores, "db": db, "first": first, "second": second}


def test_the_report_is_named_after_the_store_and_the_run_says_where(drop_nights, demo_files):
    first, stores = drop_nights["first"], drop_nights["stores"]
    assert first.exit_code == 0, first.output
    assert (stores / "report.html").read_text(encoding="utf-8") == "someone else's report"  # not overwritten
    report = stores / "one.report.html"
    assert "Why this rank" in report.read_text(encoding="utf-8")
    assert f"wrote the report to {report}" in first.output
    src = drop_nights["base"] / "other.csv"
    src.write_text(as_csv(demo_rows(demo_files, 40)), encoding="utf-8")
    chosen = drop_nights["base"] / "out" / "night.html"
    second_store = invoke("run", "--source", src, "--db", stores / "two.duckdb", "--report", chosen)
    assert second_store.exit_code == 0, second_store.output
    assert f"wrote the report to {chosen}" in second_store.output and chosen.exists()
    assert not (stores / "two.report.html").exists()


def test_an_empty_file_in_a_drop_folder_is_skipped_with_a_line_and_the_rest_ingested(drop_nights, tmp_path):
    first, db = drop_nights["first"], drop_nights["db"]
    assert first.exit_code == 0, first.output
    assert "skipped c.csv: the file is empty" in first.output
    assert rows(db, "SELECT count(*) FROM comments WHERE first_run_id = 1")[0][0] == 60
    stats = json.loads(rows(db, "SELECT stats FROM runs WHERE run_id = 1")[0][0])
    assert stats["ingest"]["empty_files"] == ["c.csv"]  # recorded with the run
    alone = invoke("run", "--source", drop_nights["drops"] / "c.csv", "--db", tmp_path / "s.duckdb")
    assert alone.exit_code == 2 and "c.csv is empty: export the comments again" in alone.output


def _counts(output: str) -> dict:
    found = re.search(r"^run \d+: read (\d+) rows.*: (\d+) new, (\d+) already known, (\d+) quarantined$", output, re.M)
    assert found, output
    return dict(zip(("read", "new", "known", "quarantined"), map(int, found.groups())))


def test_the_run_counts_add_up(drop_nights):
    first, second = drop_nights["first"], drop_nights["second"]
    assert second.exit_code == 0, second.output
    assert _counts(first.output) == {"read": 67, "new": 60, "known": 0, "quarantined": 7}
    assert "read 67 rows from 1 file (1 file skipped: empty)" in first.output
    counts = _counts(second.output)
    assert counts["read"] == counts["new"] + counts["known"] + counts["quarantined"]
    assert counts == {"read": 16, "new": 10, "known": 5, "quarantined": 1}
    assert "read 16 rows from 1 file (2 files skipped: 1 same content as before, 1 empty)" in second.output
    assert ("skipped a.csv (imported in run 1): same content read the same way, nothing new (--reread reads it "
            "again)") in second.output


def test_quarantine_reasons_past_the_first_five_are_counted_with_where_to_see_them(drop_nights):
    first, db = drop_nights["first"], drop_nights["db"]
    assert first.output.count("  quarantined: a.csv line") == 5
    assert f"  … 2 more: voc quarantine --db {db}" in first.output
    assert "more: voc quarantine" not in drop_nights["second"].output  # 1 quarantined, shown


def test_a_mistyped_model_is_refused_before_anything_runs(demo_files, tmp_path):
    db = tmp_path / "m.duckdb"
    result = invoke("run", "--source", demo_files.comments, "--db", db, "--model", "nosuchmodel")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert result.output.startswith("error: unknown model 'nosuchmodel' (--model or VOC_MODEL): choose auto (the "
                                    "default), use, minilm-int8, minilm")
    assert "Flow run" not in result.output and not db.exists()  # no flow started, no store made


def test_the_model_is_named_the_same_on_every_kind_of_night(store_copy, demo_files, drop_nights):
    """The resolved short name everywhere (`voc runs`, the summary); the versioned id beside it only where a model
    was loaded. A night that embedded nothing showed 'use', a full run 'use-multilingual-v3@0.2.1'."""
    assert re.search(r"^embedded \d+ new texts \(\d+ from cache\) with use \(use-multilingual-v3@[\d.]+\)$",
                     drop_nights["first"].output, re.M), drop_nights["first"].output
    again = invoke("run", "--source", demo_files.comments, "--db", store_copy, "--source-name", "demo")
    assert again.exit_code == 0, again.output
    assert re.search(r"^embedded 0 new texts \(0 from cache\) with use$", again.output, re.M), again.output
    assert "incremental run" in again.output
    stats = json.loads(rows(store_copy, "SELECT stats FROM runs WHERE run_id = 1")[0][0])["embed"]
    assert stats["model_name"] == "use" and stats["model"].startswith("use-multilingual-v3@")
    table = invoke("runs", "--db", store_copy, "--limit", "2").output
    header = next(line for line in table.splitlines() if "┃ run" in line)
    column = {name.strip(): i for i, name in enumerate(header.split("┃"))}
    cells = {int(c[1]): c for line in table.splitlines()
             if len(c := line.split("│")) > 6 and c[1].strip().isdigit()}
    assert {run: c[column["model"]].strip() for run, c in cells.items()} == {1: "use", 2: "use"}, table
    ingest = json.loads(rows(store_copy, "SELECT stats FROM runs WHERE run_id = 1")[0][0])["ingest"]
    assert cells[1][column["read"]].strip() == str(ingest["rows_read"]) and ingest["quarantined"] > 0
    assert cells[1][column["quarantined"]].strip() == str(ingest["quarantined"])  # what a night read, at a glance
    assert re.fullmatch(r"\d+ s", cells[1][column["took"]].strip()), table  # "5 s" is padded to the width of "took"


def test_the_readme_names_the_files_beside_a_store_as_they_are_named(store_copy, monkeypatch):
    """README's names for the files voc keeps beside `voc.duckdb`, checked against the files the web app and a run
    make there (it said `<store>.web-queue.sqlite`, where the files are named after the store's stem)."""
    from pathlib import Path

    from voc.web.auth import secret_for
    from voc.web.mirror import Mirror

    monkeypatch.delenv("VOC_WEB_SECRET", raising=False)
    assert store_copy.name == "voc.duckdb"
    mirror = Mirror(store_copy)
    with mirror.read():
        pass
    secret_for(store_copy)
    assert invoke("report", "--db", store_copy).exit_code == 0  # the report a run writes by default
    made = {p.name for p in store_copy.parent.iterdir()}
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "<store>.web-" not in readme
    named = set(re.findall(r"`(?:data/)?(voc\.(?:web-[\w.-]+|report\.html|duckdb\.lock))`", readme))
    assert {"voc.web-secret", "voc.web-queue.sqlite", "voc.web-snapshot-N.duckdb", "voc.report.html",
            "voc.duckdb.lock"} <= named
    for name in named - {"voc.duckdb.lock"}:  # the lock exists while a run holds the store
        pattern = re.escape(name).replace("N", r"\d+")
        assert any(re.fullmatch(pattern, m) for m in made), (name, made)


def test_a_run_with_too_few_distinct_texts_says_why_it_found_no_theme(demo_files, drop_nights, tmp_path):
    """A hand-made test file of a few phrasings copied many times: no theme, and the summary says why."""
    phrasings = [r["text"] for r in demo_rows(demo_files, 8)]
    records = [{**r, "comment_id": f"c{i}", "text": phrasings[i % 8]} for i, r in enumerate(demo_rows(demo_files, 48))]
    (tmp_path / "few.csv").write_text(as_csv(records), encoding="utf-8")
    result = invoke("run", "--source", tmp_path / "few.csv", "--db", tmp_path / "few.duckdb")
    assert result.exit_code == 0, result.output
    assert "  no themes looked for: 8 distinct texts" in result.output and "need at least 20" in result.output
    assert "no themes looked for" not in drop_nights["first"].output  # 60 distinct texts: themes were looked for


def _flow_run_logs(db) -> list[str]:
    """The messages the Prefect API holds for the first flow run on the store `db`, in order."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()  # the logs go to the API in batches: send what is queued
    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs() if r.parameters.get("db") == str(db)]
        first = min(runs, key=lambda r: r.start_time)
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[first.id])),
                                sort=LogSort.TIMESTAMP_ASC)
    return [entry.message for entry in logs]


def test_the_run_summary_reaches_the_prefect_api_and_the_terminal_once(drop_nights):
    """A server's UI shows a flow run's logs: the summary (counts, quarantine reasons, themes, report) is among them;
    `voc run` prints each of its lines once."""
    first, db = drop_nights["first"], drop_nights["db"]
    logs = _flow_run_logs(db)
    assert "run 1: read 67 rows from 1 file (1 file skipped: empty): 60 new, 0 already known, 7 quarantined" in logs
    assert any(m.startswith("  quarantined: a.csv line 62: created_at 'gestern' is not a date") for m in logs), logs
    assert any(re.match(r"full run \(.*\): \d+ themes over 60 comments", m) for m in logs), logs
    assert any(m.startswith("wrote the report to ") for m in logs), logs
    assert first.output.count("run 1: read 67 rows") == 1, first.output
    assert first.output.count("  quarantined: a.csv line 62:") == 1, first.output


def test_a_reader_that_closes_the_pipe_does_not_fail_the_run(demo_files, tmp_path):
    """`voc run ... | head -1`: the reader leaving after the first line must not fail the night nor skip its publish
    (the summary is printed from inside the flow's logging); the run goes on unseen, publishes, and the command ends
    as every voc command whose reader left: quietly, with 141 (review of walkthrough 5a F1)."""
    import subprocess
    import sys

    source, db = tmp_path / "night.csv", tmp_path / "voc.duckdb"
    source.write_text(as_csv(demo_rows(demo_files, 80)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--source", str(source), "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # gone before the first summary line
    stderr = proc.communicate(timeout=600)[1].decode()
    assert proc.returncode == 141, stderr
    assert "error" not in stderr.lower() and "Traceback" not in stderr, stderr
    assert rows(db, "SELECT status FROM runs") == [("succeeded",)]
    assert rows(db, "SELECT run_id FROM published") == [(1,)]
