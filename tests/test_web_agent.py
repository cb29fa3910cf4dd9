"""The agent's side of the web app in a real browser (walkthrough 7): the page comes a page of comments at a time with
a filter for those whose theme changed, error pages speak the agent's language and lead back to their page, the login
page speaks the browser's language and names no command."""

from __future__ import annotations

import shutil

import pytest

from tests.dbutil import rows
from tests.test_web import PM, Server, browser, login  # noqa: F401 (browser: a fixture)
from voc import store
from voc.pm import workflow
from voc.web import routes_agent, users
from voc.web.app import create_app

GERMAN, ENGLISH = ("lena", "agent-password-de"), ("sam", "agent-password-en")
SMALL_PAGE = 10  # the test's agents filed ~35 comments: pages of 10 make four


def agent_filing_mostly(con, language: str) -> str:
    other = "en" if language == "de" else "de"
    return con.execute("SELECT agent_id FROM current_assignments GROUP BY agent_id HAVING count(*) FILTER "
                       f"(language = '{language}') > count(*) FILTER (language = '{other}') "
                       "ORDER BY count(*) DESC, agent_id LIMIT 1").fetchone()[0]


@pytest.fixture(scope="module")
def agent_site(published_db, tmp_path_factory):
    """A store with a German and an English agent and a PM; the theme of the German agent's oldest comment planned
    (so it changed since their last visit); the app over it."""
    db = tmp_path_factory.mktemp("agent-web") / "voc.duckdb"
    shutil.copy(published_db[0], db)
    with store.open(db, write=True) as con:
        german, english = agent_filing_mostly(con, "de"), agent_filing_mostly(con, "en")
        users.add(con, PM[0], "pm", PM[1])
        users.add(con, GERMAN[0], "agent", GERMAN[1], agent_id=german)
        users.add(con, ENGLISH[0], "agent", ENGLISH[1], agent_id=english)
        changed = store.scalar(con, "SELECT theme_id FROM current_assignments WHERE agent_id = ? AND theme_id >= 0 "
                                    "ORDER BY created_at, comment_id LIMIT 1", [german])
        workflow.update(con, changed, "pm.anna", status="planned", note="Kommt im Dezember")
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        yield server, db, german, english, changed


def comment_dates(page) -> list[str]:
    return [d.inner_text() for d in page.locator("ul.mine li > span.muted").all()]


def test_the_agents_page_comes_a_page_at_a_time_changed_themes_first_with_a_filter(browser, agent_site,
                                                                                  monkeypatch):
    """F11: an agent with 400 comments got one 52 KB page. Now PAGE_SIZE at a time: those whose theme changed since
    the last visit first, then newest first; older pages a link away; "only comments whose theme changed" shows just
    those, and still does after the visit was recorded as seen (the page's links carry where the visit began)."""
    server, db, german, _, changed = agent_site
    monkeypatch.setattr(routes_agent, "PAGE_SIZE", SMALL_PAGE)
    mine = rows(db, "SELECT count(*), count(*) FILTER (theme_id = ?) FROM current_assignments WHERE agent_id = ?",
                [changed, german])[0]
    total, in_changed = mine
    assert total > 2 * SMALL_PAGE, "the test needs an agent with more than two pages of comments"
    page = login(browser, server, GERMAN)
    pages = -(-total // SMALL_PAGE)
    assert page.inner_text("p.pager").startswith(f"Seite 1 von {pages}")
    assert page.locator("ul.mine li").count() == SMALL_PAGE
    assert page.locator("section.group").first.get_attribute("data-theme") == str(changed)  # changed first
    seen, dates = [], []
    for n in range(1, pages + 1):
        groups = page.locator("section.group:not(.changed)")
        dates.append([d for g in groups.all() for d in comment_dates(g)])
        seen += [li.inner_text() for li in page.locator("ul.mine li").all()]
        if n < pages:
            page.click("p.pager a[rel=next]")
            page.wait_for_load_state("networkidle")
    assert len(seen) == total  # every comment, on one page each
    later = [d for d in dates if d]
    assert all(min(a) >= max(b) for a, b in zip(later, later[1:]))  # newest first, page after page
    page.goto(f"{server.url}{page.url.split(server.url)[1].split('?')[0]}")  # the first page again
    page.click("a.only-changed")
    page.wait_for_load_state("networkidle")
    assert "changed=1" in page.url and "since=" in page.url
    assert {g.get_attribute("data-theme") for g in page.locator("section.group").all()} == {str(changed)}
    assert page.locator("ul.mine li").count() == min(in_changed, SMALL_PAGE)


def test_an_agents_error_pages_speak_their_language_and_lead_back_to_their_page(browser, agent_site):
    """F16: lena (German) opening /themes, another agent's page or /nope read English, "start from the themes page"
    (which she may not open) and "Back to the start page". Now German, in her terms, a link to her own page; an
    English agent reads English; a product manager still reads voc's own message."""
    server, _, german, english, _ = agent_site
    page = login(browser, server, GERMAN)
    for path, status, said in (("/themes", 403, "Diese Seite ist nicht für Sie"),
                               (f"/agent/{english}", 403, "nur Ihre eigenen Kundenstimmen"),
                               ("/nope", 404, "Diese Seite gibt es nicht."),
                               (f"/agent/{german}?lang=xx", 400, "?lang=de")):
        response = page.goto(server.url + path)
        assert response.status == status, path
        assert page.get_attribute("html", "lang") == "de" and page.inner_text("h1") == "Das hat nicht geklappt"
        assert said in page.inner_text(".flash.error"), path
        back = page.locator("a.back")
        assert back.inner_text() == "Zurück zu meinen Kundenstimmen" and back.get_attribute("href") == \
            f"/agent/{german}"
        assert "themes" not in page.inner_text("main") and page.inner_text("button") == "Abmelden"
    sam = login(browser, server, ENGLISH)
    assert sam.goto(server.url + "/nope").status == 404
    assert sam.inner_text(".flash.error") == "There is no such page." and sam.inner_text("a.back") == \
        "Back to my feedback"
    pm = login(browser, server, PM)
    assert pm.goto(server.url + "/nope").status == 404
    assert "start from the themes page" in pm.inner_text(".flash.error")


def test_the_login_page_speaks_the_browsers_language_and_names_no_command(browser, agent_site):
    """F16: the login page told agents "Ask an admin to run voc user add NAME --role pm"."""
    server = agent_site[0]
    de = browser.new_page(locale="de-DE")
    de.goto(server.url + "/login")
    assert de.get_attribute("html", "lang") == "de" and de.inner_text("h1") == "Bei voc anmelden"
    assert "voc user" not in de.inner_text("main")
    de.fill("input[name=name]", GERMAN[0])
    de.fill("input[name=password]", "falsch")
    de.click("button.primary")
    assert de.inner_text(".flash.error") == "Benutzername oder Passwort stimmt nicht."
    en = browser.new_page(locale="en-GB")
    en.goto(server.url + "/login")
    assert en.inner_text("h1") == "Log in to voc" and "voc user" not in en.inner_text("main")


def test_the_runs_pages_change_log_lists_decisions_not_agents_visits(browser, agent_site):  # noqa: F811
    """Walkthrough 7 (F20): every agent page view was a row "lena · seen agent id A14, event id 13, at ..." among the
    PMs' decisions in "Changes made in the app"."""
    server = agent_site[0]
    login(browser, server, GERMAN).close()  # the visit is queued to be recorded as seen
    pm = login(browser, server, PM)
    pm.goto(server.url + "/runs")
    log = pm.inner_text("main")
    assert "Changes made in the app" in log and "agent id" not in log and "seen" not in log.split("Changes made")[1]
    pm.close()
