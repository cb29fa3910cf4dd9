"""A source night after night as an operator meets it (walkthrough 2): a failed run in `voc runs`, and the labels
a night's sentiment accuracy was measured on.

Real `voc run` commands (Typer's runner) on real DuckDB files, with Prefect flow runs against the test API.
"""

import csv
import io
import json

import duckdb
from dbutil import rows
from typer.testing import CliRunner

from flows.cli import app
from voc.cli.common import sentiment_summary

FIELDS = ["comment_id", "text", "created_at", "agent_id", "channel", "product", "team", "csat", "nps", "ticket_id"]


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
    assert error.endswith("map yours with e.g. --map comment_id=<your column>.")
    with duckdb.connect(str(db)) as con:  # as voc recorded failures before
        con.execute("INSERT INTO runs (run_id, started_at, status, error) VALUES (2, now(), 'failed', ?)",
                    [f"SourceError: {error}"])
    for width in (80, 200):
        table = invoke("runs", "--db", db, columns=width).output
        cells = [line.split("│") for line in table.splitlines() if line.count("│") > 4]
        status = " ".join(c[3].strip() for c in cells)
        assert status.count("failed:") == 2 and "SourceError" not in table, table
        for shown in status.split("failed:")[1:]:
            assert "".join(shown.split()) == "".join(error.split()), table  # every word, in order


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
