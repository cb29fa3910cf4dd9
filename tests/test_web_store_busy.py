"""The web app while another process holds the store (as a nightly run does), and PM corrections of comments."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest

from tests.dbutil import rows
from tests.test_web import PM, Server
from voc import store
from voc.errors import ConfigError, NotFoundError, TransitionError
from voc.pm import corrections
from voc.web import users
from voc.web.app import create_app

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])          # read-write: no other process can open the file now
con.execute("CHECKPOINT")
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


@pytest.fixture
def pm_store(published_db, tmp_path):
    db = tmp_path / "voc.duckdb"
    shutil.copy(published_db[0], db)
    with store.open(db, write=True) as con:
        users.add(con, PM[0], "pm", PM[1])
    return db


@contextmanager
def pm_app(db, sync_seconds: float | None = None):
    """The app on a real local server, a client logged in as the PM, that session's CSRF token, and the app's
    mirror (its snapshot and change queue)."""
    app = create_app(db, secret="s", sync_seconds=sync_seconds)
    with Server(app) as server, httpx.Client(base_url=server.url, follow_redirects=False) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        assert client.post("/login", data={"csrf": token, "name": PM[0], "password": PM[1]}).status_code == 303
        # logging in starts a new session with a new token: forms after it carry that one
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/runs").text).group(1)
        yield client, token, app.state.mirror


def test_pages_and_changes_keep_working_while_another_process_holds_the_store(pm_store):
    db = pm_store
    top, title = rows(db, "SELECT theme_id, display_title FROM current_themes ORDER BY rank LIMIT 1")[0]
    # the first snapshot is taken at login, while the store is free
    with pm_app(db, sync_seconds=0.5) as (client, token, mirror):
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "holding"
            page = client.get("/themes")  # served from the snapshot: the last published results
            assert page.status_code == 200 and title.split(" / ")[0] in page.text
            r = client.post(f"/themes/{top}/status", data={"csrf": token, "status": "planned",
                                                           "note": "Fix ships in 5.3"})
            assert r.status_code == 303
            shown = client.get(f"/themes/{top}").text
            assert "queued" in shown and "Queued change by anna" in shown  # said plainly, not lost
            time.sleep(1.5)  # background syncs meet the held store and wait
            assert holder.poll() is None
        finally:
            holder.stdin.write("\n")
            holder.stdin.close()
            holder.wait(10)
        deadline = time.monotonic() + 20
        while "planned (now)" not in client.get(f"/themes/{top}").text:  # the queue is applied once the store is free
            assert time.monotonic() < deadline, "the queued change was not applied after the store was released"
            time.sleep(0.3)
    assert rows(db, "SELECT status, note, updated_by FROM theme_workflow WHERE theme_id = ?", [top]) == [
        ("planned", "Fix ships in 5.3", "anna")]
    assert rows(db, "SELECT count(*) FROM theme_events WHERE theme_id = ? AND to_status = 'planned'", [top]) == [(1,)]


def test_what_a_pm_types_is_queued_and_shown_redacted_and_in_words(pm_store):
    db = pm_store
    top = rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")[0][0]
    note = "Rückruf: Herr Müller, 0171 1234567, mueller@example.com"
    with pm_app(db) as (client, token, mirror):
        r = client.post(f"/themes/{top}/status", data={"csrf": token, "status": "planned", "note": note,
                                                       "owner": "Frau Schulz"})
        assert r.status_code == 303
        queued = mirror.queue.path.read_bytes()
        runs = client.get("/runs").text
    for said in (queued.decode("utf-8", "replace"), runs):
        assert "Müller" not in said and "1234567" not in said and "mueller@" not in said and "Schulz" not in said
    # in words, umlauts as they are (was the payload as JSON: {"note": "R\\u00fcckruf: Herr M\\u00fcller ...})
    assert (f"update theme {top}: status planned, note Rückruf: Herr [NAME], [PHONE], [EMAIL], owner Frau [NAME]"
            in runs)


def test_a_refused_transition_is_said_at_once_and_nothing_is_queued(pm_store):
    db = pm_store
    top = rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")[0][0]
    with pm_app(db) as (client, token, mirror):
        r = client.post(f"/themes/{top}/status", data={"csrf": token, "status": "done"})  # new -> done is not allowed
        assert r.status_code == 409 and "cannot go from new to done" in r.text
        assert mirror.queue.changes() == []


def test_a_pm_moves_a_comment_and_corrects_its_sentiment_in_the_app(pm_store):
    db = pm_store
    (source, comment_id, theme, sentiment), = rows(
        db, "SELECT source, comment_id, theme_id, sentiment FROM current_assignments WHERE theme_id >= 0 "
            "AND sentiment <> 'positive' ORDER BY comment_id LIMIT 1")
    other = rows(db, "SELECT theme_id FROM current_themes WHERE theme_id <> ? ORDER BY rank LIMIT 1", [theme])[0][0]
    with pm_app(db) as (client, token, mirror):
        r = client.post("/comments/correct", data={"csrf": token, "source": source, "comment_id": comment_id,
                                                   "back": theme, "sentiment": "positive", "theme_id": str(other)})
        assert r.status_code == 303
        assert "corrected: saved" in client.get(f"/themes/{theme}").text
    assert rows(db, "SELECT theme_id, sentiment, sentiment_score, clustered_theme_id, corrected_by "
                    "FROM current_assignments WHERE source = ? AND comment_id = ?", [source, comment_id]) == [
        (other, "positive", 1.0, theme, "anna")]


def test_corrections_refuse_unknown_values_and_ignore_a_vanished_theme(pm_store):
    db = pm_store
    with store.open(db, write=True) as con:
        source, comment_id, theme = con.execute(
            "SELECT source, comment_id, theme_id FROM current_assignments WHERE theme_id >= 0 LIMIT 1").fetchall()[0]
        with pytest.raises(ConfigError, match="'angry' is not a sentiment: use one of negative, neutral, positive"):
            corrections.correct(con, source, comment_id, "anna", sentiment="angry")
        with pytest.raises(NotFoundError):
            corrections.correct(con, source, comment_id, "anna", theme_id=99999)
        with pytest.raises(NotFoundError):
            corrections.correct(con, source, "no-such-comment", "anna", sentiment="neutral")
        # a correction pointing at a theme the published run does not have (merged away later) is ignored
        con.execute("INSERT INTO comment_corrections VALUES (?, ?, 99999, 'anna', now())",
                    [source, comment_id])
        assert con.execute("SELECT theme_id FROM current_assignments WHERE source = ? AND comment_id = ?",
                           [source, comment_id]).fetchall() == [(theme,)]


def test_a_pm_merges_two_themes_and_splits_a_sub_theme_out_in_the_app(pm_store):
    db = pm_store
    (a,), (b,) = rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2")
    with pm_app(db) as (client, token, mirror):
        assert 'id="merge-form"' in client.get(f"/themes/{b}").text
        asked = client.post(f"/themes/{b}/merge", data={"csrf": token, "into": str(a)})
        assert asked.status_code == 200 and f"I understand this merges #{b} into #{a}" in asked.text
        r = client.post(f"/themes/{b}/merge", data={"csrf": token, "into": str(a), "confirm": "yes"})
        assert r.status_code == 303 and r.headers["location"] == f"/themes/{a}"
        page = client.get(f"/themes/{a}").text
        assert f"Theme {b} merged into theme {a}: saved" in page and "Split out" in page
        assert client.get(f"/themes/{b}").headers["location"] == f"/themes/{a}"  # the pages read the new run at once
        sub = rows(db, "SELECT subtheme_id FROM current_subthemes WHERE theme_id = ? ORDER BY size LIMIT 1", [a])[0][0]
        r = client.post(f"/themes/{a}/split", data={"csrf": token, "subtheme_id": str(sub), "confirm": "yes"})
        assert r.status_code == 303 and "split out of theme" in client.get(f"/themes/{a}").text
        assert client.post(f"/themes/{a}/merge", data={"csrf": token, "into": str(a)}).status_code == 409
    assert rows(db, "SELECT count(*) FROM current_themes WHERE theme_id = ?", [b]) == [(0,)]
    assert rows(db, "SELECT kind, created_by FROM theme_overrides ORDER BY override_id") == [
        ("merge", "anna"), ("split", "anna")]
    (new,), = rows(db, "SELECT theme_id FROM current_subthemes WHERE subtheme_id = ?", [sub])
    assert new not in (a, b) and rows(db, "SELECT kind FROM theme_lineage WHERE child_id = ?", [new]) == [("split",)]


def test_a_merge_waits_in_the_queue_while_a_run_holds_the_store(pm_store):
    db = pm_store
    (a,), (b,) = rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2")
    with pm_app(db) as (client, token, mirror):
        with store.run_lock(db):  # as a nightly run holds it, between its stages too
            r = client.post(f"/themes/{b}/merge", data={"csrf": token, "into": str(a), "confirm": "yes"})
            assert r.status_code == 303 and r.headers["location"] == f"/themes/{b}"
            assert "queued" in client.get(f"/themes/{b}").text
        assert mirror.sync() and mirror.queue.changes()[0].error is None
        assert client.get(f"/themes/{b}").headers["location"] == f"/themes/{a}"
    assert rows(db, "SELECT kind FROM theme_overrides") == [("merge",)]


def test_an_old_link_to_a_merged_theme_leads_to_the_theme_it_is_part_of_now(pm_store):
    """/themes/B after B was merged into A, and A into C: a redirect (303) to C, whose page says where B went;
    an id no theme ever had stays 404."""
    from voc.pm import theme_edit

    db = pm_store
    (c,), (a,), (b,) = rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 3")
    theme_edit.merge(db, a, b, "anna")
    theme_edit.merge(db, c, a, "anna")
    with pm_app(db) as (client, token, _):
        r = client.get(f"/themes/{b}")
        assert r.status_code == 303 and r.headers["location"] == f"/themes/{c}"
        page = client.get(r.headers["location"]).text
        assert f"theme #{b} was merged into #{a}, then #{a} into #{c}" in page
        r = client.get(f"/themes/{a}")
        assert r.status_code == 303 and r.headers["location"] == f"/themes/{c}"
        assert f"theme #{a} was merged into #{c}</p>" in client.get(f"/themes/{c}").text
        assert "was merged into" not in client.get(f"/themes/{c}").text  # said once, on the page it led to
        assert client.get("/themes/999999").status_code == 404
