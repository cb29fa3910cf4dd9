"""The nightly flow end to end: a real Prefect flow run, the real model, a real DuckDB file."""

import csv
import json
import subprocess
import sys

import pytest
from dbutil import rows

from flows.nightly import nightly
from voc.errors import ModelError


def test_run_publishes_ranked_themes_for_every_comment(published_db, demo_files):
    db, summary = published_db
    n_valid = sum(1 for _ in csv.DictReader(open(demo_files.comments))) - 5  # the generator adds 5 broken rows
    assert summary["ingest"]["new"] == n_valid and summary["ingest"]["quarantined"] == 5
    assert summary["themes"] >= 5
    assigned = rows(db, "SELECT count(*), count(*) FILTER (WHERE theme_id = -1) FROM current_assignments")[0]
    assert assigned[0] == n_valid  # every comment is in a theme or counted as unclustered
    assert summary["unclustered"] == assigned[1]
    themes = rows(db, "SELECT rank, title, size, keywords, representatives, why FROM current_themes ORDER BY rank")
    assert [t[0] for t in themes] == list(range(1, len(themes) + 1))
    assert all(t[1] and t[3] and 3 <= len(t[4]) <= 5 and "negative" in t[5] for t in themes)
    assert sum(t[2] for t in themes) + assigned[1] == n_valid
    status, stats = rows(db, "SELECT status, stats FROM runs")[0]
    assert status == "succeeded" and json.loads(stats)["themes"] == len(themes)


def test_themes_match_the_hidden_problems(published_db, demo_files):
    """The demo's ground truth: most comments of a theme share one problem."""
    db, _ = published_db
    truth = {r["comment_id"]: r["problem"] for r in csv.DictReader(open(demo_files.truth))}
    assigned = rows(db, "SELECT comment_id, theme_id FROM current_assignments WHERE theme_id >= 0")
    by_theme = {}
    for cid, theme in assigned:
        by_theme.setdefault(theme, []).append(truth[cid])
    purity = sum(max(map(ps.count, set(ps))) for ps in by_theme.values()) / len(assigned)
    assert purity > 0.8


def test_personal_data_never_reaches_the_store(published_db, demo_files):
    db, summary = published_db
    assert summary["ingest"]["redactions"].get("email", 0) > 0
    leaked = rows(db, "SELECT count(*) FROM comments WHERE text LIKE '%@example.%' OR text ILIKE '%DE89%' "
                      "OR text ILIKE '%GB82%' OR text LIKE '%2345678%' OR text LIKE '%5698%'")[0][0]
    assert leaked == 0
    reps = rows(db, "SELECT list_aggregate(flatten(list(representatives)), 'string_agg', ' ') "
                    "FROM current_themes")[0][0]
    assert "@" not in reps


def test_quarantine_keeps_rows_with_reason(published_db, demo_files):
    db, _ = published_db
    reasons = dict(rows(db, "SELECT comment_id, reason FROM quarantine"))
    assert "text is missing" in reasons["bad-1"]
    assert "'gestern' is not a date" in reasons["bad-2"]
    assert "csat '9' is out of range" in reasons["bad-3"]
    assert "2099-11-12 09:00:00' is outside" in reasons["bad-4"]
    assert "agent_id is missing" in reasons["bad-5"]
    with open(demo_files.comments, encoding="utf-8") as f:  # the line an editor shows, the header being line 1
        line = next(i for i, text in enumerate(f, start=1) if text.startswith("bad-2,"))
    assert reasons["bad-2"].startswith(f"comments.csv line {line}: ")


def test_rerun_is_idempotent(store_copy, demo_files):
    before = rows(store_copy, "SELECT comment_id, theme_id FROM current_assignments ORDER BY 1")
    titles = rows(store_copy, "SELECT theme_id, title FROM current_themes ORDER BY 1")
    summary = nightly(str(demo_files.comments), str(store_copy), source_name="demo")
    assert summary["ingest"]["new"] == 0 and summary["embed"]["encoded"] == 0  # cache hit for every text
    assert rows(store_copy, "SELECT count(*) FROM comments")[0][0] == len(before)
    assert rows(store_copy, "SELECT comment_id, theme_id FROM current_assignments ORDER BY 1") == before
    assert rows(store_copy, "SELECT theme_id, title FROM current_themes ORDER BY 1") == titles


def test_failed_run_leaves_last_results_untouched(store_copy, demo_files, tmp_path):
    published = rows(store_copy, "SELECT run_id FROM published")
    themes = rows(store_copy, "SELECT * FROM current_themes ORDER BY theme_id")
    extra = tmp_path / "more.csv"
    extra.write_text("comment_id,text,created_at,agent_id\nx1,Neue Beschwerde,2026-11-15,A1\n", encoding="utf-8")
    not_a_model = tmp_path / "not-a-model"  # a folder, so the run starts; loading it fails after the ingest
    not_a_model.mkdir()
    with pytest.raises(ModelError):
        nightly(str(extra), str(store_copy), model=str(not_a_model), source_name="demo")
    assert rows(store_copy, "SELECT run_id FROM published") == published
    assert rows(store_copy, "SELECT * FROM current_themes ORDER BY theme_id") == themes
    status, error = rows(store_copy, "SELECT status, error FROM runs ORDER BY run_id DESC LIMIT 1")[0]
    assert status == "failed" and error.startswith("cannot load the sentence-transformers model")  # voc's line only
    assert rows(store_copy, "SELECT count(*) FROM comments WHERE comment_id = 'x1'")[0][0] == 1  # not lost


def test_locked_store_gives_clear_error(store_copy):
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(store_copy)!r}); "
                               "print('ok', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        from voc import store
        from voc.errors import StoreLockedError
        with pytest.raises(StoreLockedError, match="in use by another process"):
            store.connect(store_copy)
    finally:
        holder.kill()
        holder.wait()
