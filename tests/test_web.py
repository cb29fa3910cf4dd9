"""The web app end to end: a real uvicorn server over a real store, driven by headless Chromium.

Browser tests skip (with the reason) only when /usr/bin/chromium or the playwright package is missing;
`.ci/run` installs chromium. Screenshots land in docs/screenshots/ (linked from README.md).
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import uvicorn

from tests.dbutil import rows
from voc import store
from voc.web import users
from voc.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]
PM, AGENT, OTHER = ("anna", "pm-password-1"), ("ali", "agent-password-1"), ("bo", "agent-password-2")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn in a thread on a free port; shut down at the end of the module."""

    def __init__(self, app):
        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the web app did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def web_store(published_db, tmp_path_factory):
    """A copy of the published store with a pm and two agents (the agents with the most comments)."""
    db = tmp_path_factory.mktemp("web") / "voc.duckdb"
    shutil.copy(published_db[0], db)
    with store.open(db, write=True) as con:
        top_agents = [r[0] for r in con.execute(
            "SELECT agent_id FROM current_assignments WHERE theme_id >= 0 GROUP BY agent_id "
            "ORDER BY count(*) DESC, agent_id LIMIT 2").fetchall()]
        users.add(con, PM[0], "pm", PM[1])
        users.add(con, AGENT[0], "agent", AGENT[1], agent_id=top_agents[0])
        users.add(con, OTHER[0], "agent", OTHER[1], agent_id=top_agents[1])
    return db, top_agents


@pytest.fixture(scope="module")
def server(web_store):
    db, _ = web_store
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as s:
        yield s


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: install it with `apt-get install -y chromium` (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield b
        b.close()


def login(browser, server, who) -> object:
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    page.goto(server.url + "/login")
    page.fill("input[name=name]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("button.primary")
    page.wait_for_load_state("networkidle")
    return page


def test_pm_moves_the_top_theme_to_planned_and_the_agent_sees_it(browser, server, web_store):
    db, (agent_id, _) = web_store
    page = login(browser, server, PM)
    assert page.url.endswith("/themes")
    page.wait_for_selector(".js-plotly-plot")  # the charts were drawn by the locally served plotly.min.js
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "themes.png"), full_page=False)
    # the top theme among those the agent's comments fed, by rank
    top = rows(db, "SELECT theme_id FROM current_themes WHERE theme_id IN (SELECT theme_id FROM current_assignments "
                   "WHERE agent_id = ?) ORDER BY rank LIMIT 1", [agent_id])[0][0]
    page.click(f"a[href='/themes/{top}']")
    page.wait_for_selector("#status-form")
    page.select_option("#status-form select[name=status]", "planned")
    page.fill("#status-form input[name=owner]", "payments")
    page.fill("#status-form textarea[name=note]", "Fix ships in 5.3 <b>soon</b>")
    page.click("#status-form button.primary")
    page.wait_for_load_state("networkidle")
    assert "saved" in page.inner_text(".flash")
    assert "planned" in page.inner_text("h1")
    page.wait_for_selector(".js-plotly-plot")
    page.screenshot(path=str(SCREENSHOTS / "theme.png"), full_page=False)
    # written to the store itself, through voc.pm.workflow
    assert rows(db, "SELECT status, owner, note FROM theme_workflow WHERE theme_id = ?", [top]) == [
        ("planned", "payments", "Fix ships in 5.3 <b>soon</b>")]

    agent = login(browser, server, AGENT)
    assert agent.url.endswith(f"/agent/{agent_id}")
    group = agent.locator(f"section.group[data-theme='{top}']")
    assert group.locator(".state").inner_text().startswith("Planned since ")  # what the status means, since when
    assert group.locator(".pm-note").inner_text().startswith("Fix ships in 5.3 <b>soon</b>")  # escaped (as text)
    assert group.locator("b").count() == 0
    assert "changed" in group.get_attribute("class")  # changed since the last visit, so it comes first
    assert agent.locator("section.group").first.get_attribute("data-theme") == str(top)
    assert "Thank you" in agent.inner_text(".thanks") and " 0 " not in agent.inner_text(".thanks")
    agent.screenshot(path=str(SCREENSHOTS / "agent.png"), full_page=False)


def test_an_agent_opening_another_agents_page_gets_403(browser, server, web_store):
    _, (_, other_agent) = web_store
    page = login(browser, server, AGENT)
    response = page.goto(f"{server.url}/agent/{other_agent}")
    assert response.status == 403
    assert "only your own comments" in page.inner_text(".flash.error")
    assert page.goto(f"{server.url}/themes").status == 403  # PM pages too


def test_an_agents_page_speaks_the_agents_language_and_switches_on_request(browser, server, web_store):
    """A product manager previews the page of an agent whose comments are mostly German: German words, German
    statuses, `lang="de"`; the page's language link shows it in English."""
    db, _ = web_store
    german = rows(db, "SELECT agent_id FROM current_assignments GROUP BY agent_id "
                      "HAVING count(*) FILTER (language = 'de') > count(*) FILTER (language = 'en') "
                      "ORDER BY agent_id LIMIT 1")[0][0]
    page = login(browser, server, PM)
    page.goto(f"{server.url}/agent/{german}")
    assert page.get_attribute("html", "lang") == "de"
    assert page.inner_text("h1") == f"Kundenstimmen von {german}"
    assert page.inner_text(".thanks").startswith("Danke: Mit ")
    unscheduled = page.locator("section.group", has_text="Neu: noch von keinem Produktteam aufgegriffen.").first
    assert unscheduled.locator(".status").inner_text() == "neu"
    page.click("a.language")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("?lang=en") and page.get_attribute("html", "lang") == "en"
    assert page.inner_text(".thanks").startswith("Thank you: your ")
    assert page.locator("section.group", has_text="New: not yet picked up by a product team.").first.locator(
        ".status").inner_text() == "new"
    page.goto(f"{server.url}/agent/{german}")  # the choice holds for the session
    assert page.get_attribute("html", "lang") == "en" and page.inner_text("button") == "Log out"
    page.goto(f"{server.url}/agent/{german}?lang=DE")
    assert page.inner_text("h1") == f"Kundenstimmen von {german}" and page.inner_text("button") == "Abmelden"
    assert page.goto(f"{server.url}/agent/{german}?lang=fr").status == 400


def test_a_form_posted_without_its_csrf_token_is_refused(browser, server, web_store):
    db, _ = web_store
    page = login(browser, server, PM)
    theme_id = rows(db, "SELECT theme_id FROM current_themes ORDER BY rank DESC LIMIT 1")[0][0]
    page.goto(f"{server.url}/themes/{theme_id}")
    page.evaluate("document.querySelector('#status-form input[name=csrf]').remove()")
    page.select_option("#status-form select[name=status]", "under_review")
    with page.expect_response(re.compile(r"/status$")) as response:
        page.click("#status-form button.primary")
    assert response.value.status == 403
    assert rows(db, "SELECT count(*) FROM theme_workflow WHERE theme_id = ?", [theme_id]) == [(0,)]
    # and with a wrong token, outside the browser
    with httpx.Client(base_url=server.url, cookies=page.context.cookies() and {
            c["name"]: c["value"] for c in page.context.cookies()}) as client:
        r = client.post(f"/themes/{theme_id}/status", data={"status": "under_review", "csrf": "forged"})
    assert r.status_code == 403


def test_the_session_cookie_is_signed_httponly_and_samesite(server):
    with httpx.Client(base_url=server.url) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = client.post("/login", data={"csrf": token, "name": PM[0], "password": PM[1]})
        cookie = r.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        assert client.get("/themes").status_code == 200
        # a cookie altered by the client is not accepted
        value = client.cookies["voc_session"]
        client.cookies.set("voc_session", value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
        assert client.get("/themes", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused(server):
    with httpx.Client(base_url=server.url) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        r = client.post("/login", data={"csrf": token, "name": PM[0], "password": "not-the-password"})
        assert r.status_code == 403
        assert client.get("/themes", follow_redirects=False).status_code == 303  # still not logged in


def test_the_themes_charts_name_themes_by_title_not_by_a_number_that_reads_as_the_rank(browser, server, web_store):
    db, _ = web_store
    page = login(browser, server, PM)
    page.wait_for_selector(".js-plotly-plot")
    bars, lines = page.locator(".js-plotly-plot").all()[:2]
    labels = bars.locator(".ytick text").all_text_contents()
    legend = lines.locator(".legendtext").all_text_contents()
    biggest = [t for t, in rows(db, "SELECT display_title FROM current_themes ORDER BY size DESC, theme_id LIMIT 3")]
    short = [t if len(t) <= 38 else t[:37] + "…" for t in biggest]
    assert labels[-3:][::-1] == short, labels  # the biggest bar on top, named by its title
    assert legend and not any(re.match(r"#\d", text) for text in labels + legend), (labels, legend)


def test_a_long_name_without_a_space_wraps_instead_of_widening_the_pages(browser, web_store, tmp_path):
    from voc.pm import theme_edit
    from voc.pm.workflow import MAX_NAME_CHARS

    db = tmp_path / "voc.duckdb"
    shutil.copy(web_store[0], db)
    theme, agent = rows(db, "SELECT theme_id, min(agent_id) FROM current_assignments WHERE theme_id = "
                            "(SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1) GROUP BY 1")[0]
    theme_edit.rename(db, theme, "Ü" * MAX_NAME_CHARS, "anna")
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, PM)
        for path in ("/themes", f"/themes/{theme}", f"/agent/{agent}"):
            page.goto(server.url + path)
            assert "Ü" * 20 in page.inner_text("main"), path
            width, seen = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width <= seen, (path, width, seen)  # was 2239 px on a 1360 px window for /themes


def test_theme_map_and_runs_pages(browser, server, web_store):
    db, _ = web_store
    page = login(browser, server, PM)
    page.goto(server.url + "/map")
    page.wait_for_selector(".js-plotly-plot")
    placed = rows(db, "SELECT count(*) FROM comment_map")[0][0]
    assert placed > 0 and page.inner_text(".sub").startswith(f"{placed:,} comments in ")
    assert page.evaluate("document.querySelector('.js-plotly-plot').data.length") >= 3  # one trace per theme
    page.goto(server.url + "/runs")
    assert "succeeded" in page.inner_text("table") and "Quarantine" in page.inner_text("main")
    quarantine = page.inner_text("main").split("Quarantine (", 1)[1]  # the demo's bad rows: the file's line and why
    assert re.search(r"comments\.csv line \d+: created_at 'gestern' is not a date", quarantine)
    assert "Row" not in page.locator("h2 + table th").all_inner_texts()  # not a second number (the data row)


def _red(colour: str) -> int:
    return int(colour[1:3], 16)


def test_static_report_draws_its_charts_as_svg_with_no_script(browser, web_store, tmp_path):
    """The report: contents, status, owner and escaped note per theme; bars as long as each theme's volume and
    redder the more negative; one shared scale for every theme's weekly trend; no script, nothing fetched."""
    from voc.pm import theme_edit, workflow
    from voc.pm.report import write_report

    db = tmp_path / "voc.duckdb"
    shutil.copy(web_store[0], db)
    theme_id, biggest = rows(db, "SELECT theme_id, (SELECT theme_id FROM current_themes ORDER BY size DESC LIMIT 1) "
                                 "FROM current_themes ORDER BY rank DESC LIMIT 1")[0]
    volume = dict(rows(db, "SELECT theme_id, size FROM current_themes"))
    negative = dict(rows(db, "SELECT theme_id, share_negative FROM current_themes"))
    theme_of = dict(rows(db, "SELECT display_title, theme_id FROM current_themes"))
    theme_edit.rename(db, biggest, "Bills <b>doubled</b> & more", by="anna")
    with store.open(db, write=True) as con:
        workflow.update(con, theme_id, "anna", status="under_review", note="Looking <i>into</i> it", owner="web")
        con.execute("""UPDATE themes SET languages = '{"de": 0.996, "other": 0.004, "en": 0.0}' WHERE theme_id = ?""",
                    [theme_id])
    theme_of["Bills <b>doubled</b> & more"] = biggest
    html = write_report(db, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "src=" not in html and 'href="http' not in html  # self-contained, no code
    page = browser.new_page()
    page.goto((tmp_path / "report.html").as_uri())
    assert page.locator("nav.toc li").count() == len(volume)
    section = page.locator(f"#theme-{theme_id}")
    assert "under review" in section.inner_text() and "owner web" in section.inner_text()
    assert "Note: Looking <i>into</i> it" in section.inner_text()  # escaped: shown as text
    assert "comments · de 100% other <1% · sentiment" in section.inner_text()  # was "other 0%" (and "en 0%")
    subs = rows(db, "SELECT theme_id, title, size FROM current_subthemes WHERE theme_id IN (SELECT theme_id FROM "
                    "current_subthemes GROUP BY ALL HAVING count(*) > 1) ORDER BY size DESC LIMIT 1")
    assert subs
    for parent, title, size in subs:  # the demo's themes have sub-themes: each is listed under its theme
        assert f"{title} ({size})" in page.locator(f"#theme-{parent} p.subs").inner_text()

    bars = page.eval_on_selector_all("svg rect.bar", "els => els.map(e => [e.querySelector('title').textContent, "
                                     "+e.getAttribute('width'), e.getAttribute('fill')])")
    assert len(bars) == min(len(volume), 15)
    named = [(title.rsplit(": ", 1)[0], width, fill) for title, width, fill in bars]
    assert all(name in theme_of for name, _, _ in named)
    assert named[0][0] == "Bills <b>doubled</b> & more"  # the largest first, its title as text, not markup
    assert page.locator("svg text", has_text="Bills <b>doubled</b>").count() >= 1
    per_comment = [width / volume[theme_of[name]] for name, width, _ in named]
    assert max(per_comment) - min(per_comment) < 0.05  # each bar as long as its theme's volume, one scale
    by_share = sorted((negative[theme_of[name]], _red(fill)) for name, _, fill in named)
    assert [red for _, red in by_share] == sorted(red for _, red in by_share)  # more negative, redder
    assert by_share[0][1] < by_share[-1][1]

    points = page.eval_on_selector_all("section.theme svg circle", "els => els.map(e => [+e.querySelector('title')"
                                       ".textContent.split(': ').pop(), +e.getAttribute('cy')])")
    assert len({count for count, _ in points}) > 3
    slope, intercept = np.polyfit([c for c, _ in points], [y for _, y in points], 1)
    assert slope < 0  # more comments, higher on the chart
    assert max(abs(slope * c + intercept - y) for c, y in points) < 0.2  # every theme's trend on one scale
    page.close()


def _csrf(page) -> str:
    return page.get_attribute("#status-form input[name=csrf]", "value")


def test_merge_and_split_start_with_no_target_and_ask_before_they_change_anything(browser, web_store, tmp_path):
    """"Same problem as" starts empty and is required; the server refuses a merge without a target (400); "Merge
    into it" and "Split out" lead to a page naming what will happen, and only its ticked box changes the themes. A
    sub-theme split out of a declined theme is a new theme, whose history names what its parent had."""
    from voc.pm import workflow

    db = tmp_path / "voc.duckdb"
    shutil.copy(web_store[0], db)
    theme, other = [t for t, in rows(db, "SELECT theme_id FROM current_themes ORDER BY rank DESC LIMIT 2")]
    parent, sub = rows(db, "SELECT theme_id, min(subtheme_id) FROM current_subthemes WHERE theme_id NOT IN (?, ?) "
                           "GROUP BY theme_id HAVING count(*) > 1 ORDER BY theme_id LIMIT 1", [theme, other])[0]
    runs = rows(db, "SELECT count(*) FROM runs")[0][0]
    with store.open(db, write=True) as con:  # the sub-theme is split out of a declined theme
        workflow.update(con, parent, "anna", status="declined", reason="Wontfix", owner="identity", ticket_key="ID-9")
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, PM)
        page.goto(f"{server.url}/themes/{theme}")
        target = page.locator("#merge-form select[name=into]")
        assert target.input_value() == "" and page.evaluate(
            "document.querySelector('#merge-form select').validity.valueMissing")
        page.click("#merge-form button")  # nothing chosen: the browser does not send the form
        assert page.url == f"{server.url}/themes/{theme}"
        r = page.request.post(f"{server.url}/themes/{theme}/merge", form={"csrf": _csrf(page)})
        assert r.status == 400 and "choose the theme this one is the same problem as" in r.text()

        target.select_option(str(other))
        page.click("#merge-form button")
        page.wait_for_load_state("networkidle")
        assert page.inner_text("h1") == f"Merge theme #{theme} into #{other}?"
        assert f"I understand this merges #{theme} into #{other}" in page.inner_text("#confirm-form")
        assert rows(db, "SELECT count(*) FROM runs")[0][0] == runs  # asked, nothing merged yet
        page.click("#confirm-form button.primary")  # the box is not ticked: the browser does not send it
        assert rows(db, "SELECT count(*) FROM theme_lineage")[0][0] == 0
        r = page.request.post(f"{server.url}/themes/{theme}/merge",
                              form={"csrf": page.get_attribute("#confirm-form input[name=csrf]", "value"),
                                    "into": str(other)})
        assert r.status == 200 and "Merge theme" in r.text()  # without the box: the question again, no merge
        assert rows(db, "SELECT count(*) FROM theme_lineage")[0][0] == 0
        page.check("#confirm-form input[name=confirm]")
        page.click("#confirm-form button.primary")
        page.wait_for_load_state("networkidle")
        assert page.url == f"{server.url}/themes/{other}" and "saved" in page.inner_text(".flash")
        assert rows(db, "SELECT parent_id, child_id, kind FROM theme_lineage") == [(theme, other, "merge")]

        page.goto(f"{server.url}/themes/{parent}")
        page.click(f"form.split-form:has(input[value='{sub}']) button")
        page.wait_for_load_state("networkidle")
        sub_title = rows(db, "SELECT title FROM current_subthemes WHERE subtheme_id = ?", [sub])[0][0]
        assert page.inner_text("h1") == f"Split “{sub_title}” out of theme #{parent}?"
        assert f"It starts as new: #{parent}'s status, reason, note, owner and ticket stay with #{parent}" in \
            page.inner_text("main")
        assert rows(db, "SELECT count(*) FROM theme_lineage WHERE kind = 'split'")[0][0] == 0
        page.check("#confirm-form input[name=confirm]")
        page.click("#confirm-form button.primary")
        page.wait_for_load_state("networkidle")
        assert "saved" in page.inner_text(".flash")
        (new,), = rows(db, "SELECT child_id FROM theme_lineage WHERE kind = 'split' AND parent_id = ?", [parent])
        page.goto(f"{server.url}/themes/{new}")
        assert page.inner_text("h1 .status") == "new" and "Wontfix" not in page.inner_text("main")  # was: declined
        assert f"split from #{parent} (declined, identity, ticket ID-9)" in page.inner_text("ul.history")


def test_a_ticket_link_is_http_only_and_shown_as_a_safe_link(browser, web_store, tmp_path):
    """`javascript:` is refused as a ticket link by the form (400, nothing queued) and the library; an http(s) link
    is shown to the PM and the agent as a link that opens apart (rel="noopener noreferrer"); a `javascript:` link an
    older store holds is shown as no link at all."""
    from voc.pm import workflow

    db = tmp_path / "voc.duckdb"
    shutil.copy(web_store[0], db)
    agent_id = web_store[1][0]
    linked, old = [t for t, in rows(db, "SELECT theme_id FROM current_assignments WHERE agent_id = ? AND theme_id >= 0 "
                                        "GROUP BY theme_id ORDER BY theme_id LIMIT 2", [agent_id])]
    url = "https://jira.example/browse/PAY-1?a=1&b=<2>"
    with store.open(db, write=True) as con:
        workflow.update(con, linked, "anna", status="planned", ticket_key="PAY-1", ticket_url=url)
        workflow.update(con, old, "anna", status="planned", ticket_key="OLD-2")
        con.execute("UPDATE theme_workflow SET ticket_url = 'javascript:alert(document.cookie)' WHERE theme_id = ?",
                    [old])  # as a store written before links were checked may hold it
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, PM)
        page.goto(f"{server.url}/themes/{linked}")
        link = page.locator(".heading a.ticket")
        assert link.inner_text() == "PAY-1" and link.get_attribute("href") == url
        assert link.get_attribute("rel") == "noopener noreferrer"
        csrf = page.get_attribute("#status-form input[name=csrf]", "value")
        r = page.request.post(f"{server.url}/themes/{linked}/status", form={
            "csrf": csrf, "status": "planned", "ticket_url": "javascript:alert(document.cookie)"})
        assert r.status == 400 and "is not an http(s) address" in r.text()
        page.fill("#status-form input[name=ticket_url]", "javascript:alert(1)")
        page.click("#status-form button.primary")  # the form's pattern stops it in the browser too
        assert page.url == f"{server.url}/themes/{linked}"
        page.goto(f"{server.url}/themes/{old}")
        assert "OLD-2" in page.inner_text(".heading") and page.locator("a[href^='javascript']").count() == 0

        agent = login(browser, server, AGENT)
        link = agent.locator(f"section.group[data-theme='{linked}'] a.ticket")
        assert link.get_attribute("href") == url and link.get_attribute("rel") == "noopener noreferrer"
        old_group = agent.locator(f"section.group[data-theme='{old}']")
        assert "OLD-2" in old_group.inner_text() and agent.locator("a[href^='javascript']").count() == 0
        assert app_queue_is_empty(db)
    assert rows(db, "SELECT ticket_url FROM theme_workflow WHERE theme_id = ?", [linked]) == [(url,)]


def app_queue_is_empty(db) -> bool:
    import sqlite3

    with sqlite3.connect(db.parent / f"{db.stem}.web-queue.sqlite") as q:
        return q.execute("SELECT count(*) FROM changes WHERE kind = 'update'").fetchone() == (0,)


def test_an_agent_with_no_comments_yet_gets_an_empty_page_not_an_error(browser, web_store, tmp_path):
    """A new agent logs in before any comment of theirs was published: "No comments from you yet", in their
    language when they ask for it; a PM asking for an id no comment carries still gets 404 naming ids that exist."""
    db = tmp_path / "voc.duckdb"
    shutil.copy(web_store[0], db)
    with store.open(db, write=True) as con:
        users.add(con, "neu", "agent", "agent-password-3", agent_id="A99")
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, ("neu", "agent-password-3"))
        assert page.url.endswith("/agent/A99")
        assert "That did not work" not in page.inner_text("main")
        assert page.inner_text(".thanks").startswith("No comments from you yet: once the comments you file reach voc")
        assert page.locator("section.group").count() == 0
        response = page.goto(f"{server.url}/agent/A99?lang=de")
        assert response.status == 200 and page.inner_text(".thanks").startswith("Noch keine Kundenstimmen von Ihnen")
        pm = login(browser, server, PM)
        response = pm.goto(f"{server.url}/agent/A99")
        assert response.status == 404 and "agent ids are what the source" in pm.inner_text(".flash.error")


def test_the_themes_page_shows_each_themes_impact_as_the_ranking_report_and_exports_do(browser, server, web_store):
    """F7: the small print under CSAT and NPS is the ranking's impact (the overall score without the theme's comments
    minus the overall score; positive, red: the theme pulls it down), the number "Why this rank" and the
    `csat_impact`/`nps_impact` columns carry; it was the theme's mean minus the overall mean, of the other sign."""
    db, _ = web_store
    stored = {t: (c, n, why) for t, c, n, why in rows(db, "SELECT theme_id, csat_impact, nps_impact, why "
                                                          "FROM current_themes")}
    page = login(browser, server, PM)
    page.goto(server.url + "/themes")
    checked = 0
    for row in page.locator("table.themes tbody tr").all():
        theme = int(row.locator("td.title a").get_attribute("href").rsplit("/", 1)[1])
        csat, nps, why = stored[theme]
        for cell, value, fmt, word in (("td.csat", csat, "%+.2f", "CSAT"), ("td.nps", nps, "%+.1f", "NPS")):
            small = row.locator(f"{cell} small.impact")
            if value is None:
                assert small.count() == 0
                continue
            assert small.inner_text() == f"impact {fmt % value}", (theme, word, small.inner_text(), value)
            assert value == 0 or f"{fmt % value} {word}" in why  # the same number as "Why this rank"
            if value > 0:  # pulls the score down: red
                assert "neg" in small.get_attribute("class").split(), theme
            checked += 1
    assert checked >= 2 * len(stored) - 2, checked  # the demo's themes carry CSAT and NPS ratings
    assert any(c and c > 0 for c, _, _ in stored.values())  # a theme that pulls CSAT down: shown positive, in red


def test_the_themes_pages_impact_under_a_filter_is_the_rankings_over_the_comments_shown(web_store):
    """Under a filter the impact is measured the ranking's way (`voc.ranking.rank.impacts`) over the comments the
    filter keeps, unclustered ones included."""
    from voc.ranking.rank import impacts, nps_of
    from voc.web import queries, queries_themes

    db, _ = web_store
    channel = rows(db, "SELECT channel FROM current_assignments GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0][0]
    kept = rows(db, "SELECT theme_id, csat, nps FROM current_assignments WHERE channel = ?", [channel])
    labels = np.array([t for t, _, _ in kept])
    csat, nps = (np.array([np.nan if v is None else v for v in column], dtype=float)
                 for column in ([c for _, c, _ in kept], [n for _, _, n in kept]))
    with store.open(db) as con:
        shown = queries_themes.themes(con, queries.Filters(channel=channel))
    assert shown
    for t in shown:
        _, csat_impact = impacts(csat, labels == t["theme_id"], lambda v: float(v.mean()) if len(v) else None)
        _, nps_impact = impacts(nps, labels == t["theme_id"], nps_of)
        assert t["csat_impact"] == pytest.approx(csat_impact, abs=1e-3), t["theme_id"]
        assert t["nps_impact"] == pytest.approx(nps_impact, abs=1e-3), t["theme_id"]


def test_a_declined_themes_reason_is_on_the_agents_page_and_the_pms(browser, web_store, tmp_path):
    """F9 on the pages: the agent's page shows why a theme of theirs was declined (the badge says declined; the line
    under it the reason, then the note), in the agent's language, as text; the theme's page and its history too."""
    from voc.pm import workflow

    db = tmp_path / "voc.duckdb"
    shutil.copy(web_store[0], db)
    agent_id = web_store[1][0]
    theme = rows(db, "SELECT theme_id FROM current_assignments WHERE agent_id = ? AND theme_id >= 0 "
                     "GROUP BY theme_id ORDER BY count(*) DESC, theme_id LIMIT 1", [agent_id])[0][0]
    with store.open(db, write=True) as con:
        workflow.update(con, theme, "anna", status="declined", reason="Kein Fehler: <i>Bedienung</i>, anna@example.com",
                        note="Bitte FAQ 12 nennen")
    reason = "Kein Fehler: <i>Bedienung</i>, [EMAIL]"
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        agent = login(browser, server, AGENT)
        agent.goto(f"{server.url}/agent/{agent_id}?lang=en")
        group = agent.locator(f"section.group[data-theme='{theme}']")
        assert group.locator(".status").inner_text() == "declined"
        assert group.locator(".pm-note").inner_text().startswith(f"Reason: {reason}\nBitte FAQ 12 nennen")
        assert f"is now declined (was new): Reason: {reason}" in agent.inner_text(".changes")
        agent.goto(f"{server.url}/agent/{agent_id}?lang=de")
        assert agent.locator(f"section.group[data-theme='{theme}'] .pm-note").inner_text().startswith(
            f"Begründung: {reason}")
        assert agent.locator("i").count() == 0 and "anna@example.com" not in agent.content()

        page = login(browser, server, PM)
        page.goto(f"{server.url}/themes/{theme}")
        assert page.inner_text(".heading .reason") == f"Declined: {reason}"
        assert f"reason: {reason}; note: Bitte FAQ 12 nennen" in page.inner_text("ul.history")
        assert page.locator("main i").count() == 0


def test_new_or_spiking_themes_come_first_on_the_page_the_report_and_the_cli_whatever_their_rank(browser, server,
                                                                                                 web_store, tmp_path):
    """A new problem starts small: the demo's emerging app crash ranked 16th of 20. The themes page, the report and
    `voc themes` name the emerging and spiking themes above the ranking, and only those."""
    from voc.cli.main import app
    from voc.pm.report import write_report
    from typer.testing import CliRunner

    db, _ = web_store
    flagged = {t: title for t, title in rows(db, "SELECT theme_id, display_title FROM current_themes "
                                                 "WHERE emerging OR spike")}
    quiet = [title for title, in rows(db, "SELECT display_title FROM current_themes WHERE NOT (emerging OR spike)")]
    lowest = max(r for r, in rows(db, "SELECT rank FROM current_themes WHERE emerging OR spike"))
    assert flagged and quiet and lowest > 1
    page = login(browser, server, PM)
    block = page.locator("section.attention")
    assert sorted(block.locator("li a").all_text_contents()) == sorted(flagged.values())
    assert "spike" in block.inner_text() or "emerging" in block.inner_text()
    report = tmp_path / "report.html"
    shutil.copy(db, tmp_path / "voc.duckdb")
    write_report(tmp_path / "voc.duckdb", report)
    page.goto(report.as_uri())
    assert sorted(page.locator("section.attention li a").all_text_contents()) == sorted(flagged.values())
    out = CliRunner().invoke(app, ["themes", "--db", str(tmp_path / "voc.duckdb"), "--limit", "1"]).output
    head = out.split("Themes (run")[0]
    assert "new or spiking" in head and all(f"(id {t})" in head for t in flagged), out
    assert not any(title in head for title in quiet)


def test_a_very_long_comment_shows_its_beginning_and_the_rest_on_request(browser, web_store, tmp_path):
    """voc stores a comment whole, whatever its length; a 20,800-character paste was shown whole on the theme page
    and the agent's page. Now its beginning, and "20,800 characters: show all" (in the agent's language) for the rest."""
    db = tmp_path / "voc.duckdb"
    shutil.copy(web_store[0], db)
    theme, source, comment, agent = rows(db, """SELECT a.theme_id, a.source, a.comment_id, c.agent_id
        FROM current_assignments a JOIN comments c USING (source, comment_id) WHERE a.theme_id =
        (SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1) ORDER BY c.created_at DESC LIMIT 1""")[0]
    long_text = "Kunde meldet: die App stürzt ab. " * 630 + "ENDE"
    with store.open(db, write=True) as con:
        con.execute("UPDATE comments SET text = ? WHERE source = ? AND comment_id = ?", [long_text, source, comment])
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, PM)
        for path, label in ((f"/themes/{theme}", f"{len(long_text):,} characters: show all"),
                            (f"/agent/{agent}?lang=de", f"{len(long_text):,} Zeichen: alles zeigen")):
            page.goto(server.url + path)
            more = page.locator("details.more")
            assert more.count() == 1 and more.locator("summary").inner_text() == label, path
            excerpt = page.locator(".excerpt").inner_text()
            assert excerpt.endswith("…") and len(excerpt) <= 601 and long_text.startswith(excerpt[:-1]), path
            height = lambda: more.evaluate("d => d.getBoundingClientRect().height")  # noqa: E731
            assert not more.evaluate("d => d.open") and height() < 60, path  # one line: the summary
            more.locator("summary").click()
            assert more.evaluate("d => d.open") and height() > 500, path  # the rest, one click away
