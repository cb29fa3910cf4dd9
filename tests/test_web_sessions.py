"""The web app's edges (walkthrough 3b): sessions that end (logout, a reset, a removed user, a demoted pm), what a PM
types into the correction form and error pages (redacted, never queued), an agent id holding "/".

A real app on a real local server (uvicorn), a real store copied from a nightly run, httpx as the browser.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import contextmanager

import httpx
import pytest
from typer.testing import CliRunner

from tests.test_web import AGENT, PM, Server
from voc import store
from voc.cli.main import app as cli
from voc.web import users
from voc.web.app import create_app

LEAK = "zq.web@example.org"


@pytest.fixture
def site(published_db, tmp_path):
    """A store copy with a pm and an agent; the agent id of the agent with the most comments."""
    db = tmp_path / "voc.duckdb"
    shutil.copy(published_db[0], db)
    with store.open(db, write=True) as con:
        agent_id, = con.execute("SELECT agent_id FROM current_assignments GROUP BY agent_id "
                                "ORDER BY count(*) DESC, agent_id LIMIT 1").fetchone()
        users.add(con, PM[0], "pm", PM[1])
        users.add(con, AGENT[0], "agent", AGENT[1], agent_id=agent_id)
    return db, agent_id


@contextmanager
def running(db):
    app = create_app(db, secret="s", sync_seconds=None)
    with Server(app) as server:
        yield server, app.state.mirror


def logged_in(server, who) -> httpx.Client:
    client = httpx.Client(base_url=server.url, follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"csrf": token, "name": who[0], "password": who[1]}).status_code == 303
    return client


def csrf(client, page="/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(page, follow_redirects=True).text).group(1)


def replay(server, client, path) -> httpx.Response:
    """`path` requested with a copy of `client`'s cookie, as someone who kept it would."""
    with httpx.Client(base_url=server.url, cookies=dict(client.cookies), follow_redirects=False) as copy:
        return copy.get(path)


def voc(*args):
    return CliRunner(env={"VOC_PASSWORD": "new-password-1"}).invoke(cli, [str(a) for a in args])


def test_logout_a_reset_a_removal_and_a_demotion_end_the_sessions_they_concern(site):
    db, agent_id = site
    with running(db) as (server, mirror):
        agent = logged_in(server, AGENT)
        assert agent.get(f"/agent/{agent_id}").status_code == 200
        kept = dict(agent.cookies)
        assert agent.post("/logout", data={"csrf": csrf(agent, f"/agent/{agent_id}")}).status_code == 303
        with httpx.Client(base_url=server.url, cookies=kept) as copy:  # the cookie as it was before the logout
            assert copy.get(f"/agent/{agent_id}").headers.get("location", "").startswith("/login")

        agent, pm = logged_in(server, AGENT), logged_in(server, PM)
        assert voc("user", "add", AGENT[0], "--role", "agent", "--agent-id", "A02", "--replace",
                   "--db", db).exit_code == 0
        assert voc("user", "add", PM[0], "--role", "agent", "--agent-id", agent_id, "--replace",
                   "--db", db).exit_code == 0  # a pm demoted to agent
        mirror.sync()
        assert replay(server, agent, f"/agent/{agent_id}").headers.get("location", "").startswith("/login")
        assert replay(server, pm, "/themes").headers.get("location", "").startswith("/login")

        again = logged_in(server, (PM[0], "new-password-1"))
        assert again.get("/themes").status_code == 403  # an agent now: the role is the store's, not the cookie's
        result = voc("user", "remove", PM[0], "--db", db)
        assert result.exit_code == 0 and "removed" in result.output, result.output
        mirror.sync()
        assert replay(server, again, f"/agent/{agent_id}").headers.get("location", "").startswith("/login")
        assert voc("user", "remove", PM[0], "--db", db).exit_code == 2  # no such user any more


def test_typed_values_in_the_correction_form_and_error_pages_are_redacted_and_never_queued(site):
    db, agent_id = site
    with store.open(db) as con:
        source, comment_id, theme = con.execute("SELECT source, comment_id, theme_id FROM current_assignments "
                                                "WHERE theme_id >= 0 LIMIT 1").fetchone()
    with running(db) as (server, mirror):
        pm = logged_in(server, PM)
        token = csrf(pm, "/runs")
        form = {"csrf": token, "source": source, "comment_id": comment_id, "back": theme, "sentiment": "negative"}
        typed = [{**form, "comment_id": f"x/<script>alert(13)</script> {LEAK}"}, {**form, "source": f"crm {LEAK}"},
                 {**form, "sentiment": "", "theme_id": f"7 {LEAK}"}]
        for data in typed:
            r = pm.post("/comments/correct", data=data)
            assert r.status_code in (400, 404) and "[EMAIL]" in r.text and LEAK not in r.text, (r.status_code, r.text)
        r = pm.get(f"/themes/abc {LEAK}")
        assert r.status_code in (400, 404) and LEAK not in r.text and "[EMAIL]" in r.text, r.text
        # a change queued by an older app, as typed: refused when applied, its error stored and shown redacted
        older = mirror.queue.submit("correct", {"source": source, "comment_id": f"c {LEAK}", "sentiment": "negative",
                                          "theme_id": None}, "anna")
        mirror.sync()
        with sqlite3.connect(mirror.queue.path) as q:
            error, = q.execute("SELECT error FROM changes WHERE id = ?", [older]).fetchone()
            assert error.startswith("no comment") and LEAK not in error, error
            q.execute("UPDATE changes SET error = ? WHERE id = ?", [f"no comment c {LEAK}", older])  # as stored before
        runs = pm.get("/runs").text
        assert "refused" in runs and "no comment" in runs and LEAK not in runs, runs
    with sqlite3.connect(mirror.queue.path) as q:
        payloads = [p for p, in q.execute("SELECT payload FROM changes WHERE id <> ?", [older]).fetchall()]
    assert not [p for p in payloads if LEAK in p], payloads  # what the form got was never queued


def test_an_agent_whose_id_holds_a_slash_reaches_their_own_page(site):
    db, agent_id = site
    slashed = "DE/A07"
    with store.open(db, write=True) as con:
        tables = [t for t, in con.execute("SELECT DISTINCT table_name FROM information_schema.columns "
                                          "WHERE column_name = 'agent_id' AND table_name IN (SELECT table_name "
                                          "FROM information_schema.tables WHERE table_type = 'BASE TABLE')"
                                          ).fetchall()]
        for table in tables:
            con.execute(f"UPDATE {table} SET agent_id = ? WHERE agent_id = ?", [slashed, agent_id])
        users.add(con, "de.a07", "agent", "agent-password-7", agent_id=slashed, replace=True)
    with running(db) as (server, _):
        client = logged_in(server, ("de.a07", "agent-password-7"))
        home = client.get("/")
        assert home.headers["location"] == "/agent/DE%2FA07"
        page = client.get(home.headers["location"])
        assert page.status_code == 200 and 'href="/agent/DE%2FA07"' in page.text, page.text[:500]
        assert "data-theme=" in page.text  # their comments, grouped by theme
