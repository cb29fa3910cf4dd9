"""The browser-only PM: handoff and exports downloaded from the web app, the themes list explaining its order, pages
at phone width and 200% zoom, charts without JavaScript, the skip link (walkthrough 7: F1, F12, F13, F14, F15).
Each download is checked against what `voc handoff` / `voc export` write from the same store, byte for byte.
(Server, login and the store: tests/test_web.py.)
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile

import pyarrow.parquet as pq
import pytest

from tests.dbutil import rows
from tests.test_web import AGENT, PM, Server, browser, login, web_store  # noqa: F401  (fixtures used by name)
from voc import store
from voc.pm import handoff, report, theme_edit, workflow
from voc.web.app import create_app

TEAM = "payments"
FORMULA = '=HYPERLINK("http://evil.example","Lieferadresse")'  # a name a spreadsheet would run as a formula


@pytest.fixture(scope="module")
def shop(web_store, tmp_path_factory):  # noqa: F811
    """A store where team payments owns two themes: one renamed to a formula, one declined without an issue
    (left out of jira.csv); another theme is done. Returns (db, formula theme, declined theme, done theme)."""
    db = tmp_path_factory.mktemp("export") / "voc.duckdb"
    shutil.copy(web_store[0], db)
    first, declined, done = [t for t, in rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 3")]
    theme_edit.rename(db, first, FORMULA, "anna")
    with store.open(db, write=True) as con:
        workflow.update(con, first, "anna", status="planned", owner=TEAM, ticket_key="PAY-7")
        workflow.update(con, declined, "anna", status="declined", reason="not ours", owner=TEAM)
        workflow.update(con, done, "anna", status="planned")
        workflow.update(con, done, "anna", status="in_progress")
        workflow.update(con, done, "anna", status="done")
    return db, first, declined, done


@pytest.fixture(scope="module")
def shop_server(shop):
    with Server(create_app(shop[0], secret="test-secret", sync_seconds=None)) as s:
        yield s


def _cli_handoff(db, tmp_path, team):
    with store.open(db) as con:
        return handoff.write_handoff(con, tmp_path / "cli", team)


def _cli_export(db, tmp_path, what, fmt):
    out = tmp_path / f"cli-{what}.{fmt}"
    with store.open(db) as con:
        report.export(con, what, fmt, out)
    return out


def _download(page, click):
    with page.expect_download() as got:
        click()
    download = got.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_a_pm_downloads_a_teams_jira_csv_and_handoff_package_as_voc_handoff_writes_them(browser, shop, shop_server,
                                                                                         tmp_path):
    db, first, declined, _ = shop
    cli = _cli_handoff(db, tmp_path, TEAM)
    page = login(browser, shop_server, PM)
    page.goto(shop_server.url + "/themes")
    page.select_option("#downloads select[name=team]", TEAM)
    name, jira = _download(page, lambda: page.click("#downloads button:has-text('Jira CSV')"))
    assert name == f"voc-jira-{TEAM}.csv"
    assert jira == cli.jira.read_bytes()
    table = list(csv.reader(io.StringIO(jira.decode("utf-8"))))
    assert table[0] == ["Summary", "Description", "Labels", "Labels", "Issue Key"]
    summaries = [r[0] for r in table[1:]]
    assert f"[voc #{first}] {FORMULA}" in summaries and "PAY-7" in [r[4] for r in table[1:]]
    assert not any(s.startswith(f"[voc #{declined}]") for s in summaries)  # declined, no issue: not in jira.csv

    name, package = _download(page, lambda: page.click("#downloads button:has-text('Handoff package')"))
    assert name == f"voc-handoff-{TEAM}.zip"
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert sorted(z.namelist()) == ["jira.csv", "summary.md", "themes.csv", "themes.parquet"]
        assert z.read("themes.csv") == cli.csv.read_bytes() and z.read("summary.md") == cli.markdown.read_bytes()
        themes = {r["theme_id"]: r for r in csv.DictReader(io.StringIO(z.read("themes.csv").decode("utf-8")))}
        assert themes[str(first)]["title"] == "'" + FORMULA  # formula-safe, as the CLI writes it
        parquet = pq.read_table(io.BytesIO(z.read("themes.parquet")))
        assert parquet.equals(pq.read_table(cli.parquet)) and FORMULA in parquet.column("title").to_pylist()

    for path, media, filename in ((f"/download/handoff/jira.csv?team={TEAM}", "text/csv; charset=utf-8",
                                   f"voc-jira-{TEAM}.csv"),
                                  (f"/download/handoff/package.zip?team={TEAM}", "application/zip",
                                   f"voc-handoff-{TEAM}.zip"),
                                  ("/download/handoff/summary.md", "text/markdown; charset=utf-8",
                                   "voc-summary-all-teams.md")):
        answer = page.request.get(shop_server.url + path)
        assert answer.status == 200 and answer.headers["content-type"] == media, path
        assert answer.headers["content-disposition"] == f'attachment; filename="{filename}"', path


def test_a_theme_page_hands_off_to_the_themes_team(browser, shop, shop_server, tmp_path):
    db, first, _, _ = shop
    page = login(browser, shop_server, PM)
    page.goto(f"{shop_server.url}/themes/{first}")
    name, jira = _download(page, lambda: page.click("#downloads a:has-text('Jira CSV')"))
    assert name == f"voc-jira-{TEAM}.csv" and jira == _cli_handoff(db, tmp_path, TEAM).jira.read_bytes()


def test_every_export_downloads_as_voc_export_writes_it(browser, shop, shop_server, tmp_path):
    db, first, _, _ = shop
    page = login(browser, shop_server, PM)
    page.goto(shop_server.url + "/themes")
    name, parquet = _download(page, lambda: page.click("#downloads a[href='/download/export/themes?format=parquet']"))
    assert name == "voc-themes.parquet"
    downloaded = pq.read_table(io.BytesIO(parquet))
    assert downloaded.equals(pq.read_table(_cli_export(db, tmp_path, "themes", "parquet")))
    assert downloaded.num_rows == rows(db, "SELECT count(*) FROM current_themes")[0][0]
    name, text = _download(page, lambda: page.click("#downloads a[href='/download/export/themes?format=csv']"))
    assert name == "voc-themes.csv" and text == _cli_export(db, tmp_path, "themes", "csv").read_bytes()
    titles = {r["theme_id"]: r["title"] for r in csv.DictReader(io.StringIO(text.decode("utf-8")))}
    assert titles[str(first)] == "'" + FORMULA
    for what in report.EXPORTS:
        for fmt, suffix, media in (("csv", "csv", "text/csv; charset=utf-8"),
                                   ("excel", "txt", "text/tab-separated-values; charset=utf-16"),
                                   ("parquet", "parquet", "application/vnd.apache.parquet")):
            answer = page.request.get(f"{shop_server.url}/download/export/{what}?format={fmt}")
            assert answer.status == 200 and answer.headers["content-type"] == media, (what, fmt)
            assert answer.headers["content-disposition"] == f'attachment; filename="voc-{what}.{suffix}"'
            assert answer.body() == _cli_export(db, tmp_path, what, fmt).read_bytes(), (what, fmt)
    assert page.locator("#downloads a[href^='/download/export/']").count() == len(report.EXPORTS) * 3


def test_downloads_are_for_product_managers_only(browser, shop_server):
    page = login(browser, shop_server, AGENT)
    for path in ("/download/export/themes?format=csv", "/download/handoff/jira.csv", "/download/handoff/package.zip"):
        answer = page.request.get(shop_server.url + path)
        assert answer.status == 403 and "This page is not for you" in answer.text(), path  # an agent's words
    anonymous = browser.new_page()
    answer = anonymous.request.get(shop_server.url + "/download/export/themes", max_redirects=0)
    assert answer.status == 303 and answer.headers["location"].startswith("/login")


def test_the_themes_list_says_why_each_theme_ranks_and_puts_declined_and_done_below_the_open_ones(
        browser, shop, shop_server):
    db, first, declined, done = shop
    page = login(browser, shop_server, PM)
    page.goto(shop_server.url + "/themes")
    body = page.locator("table.themes tbody tr")
    ids = [int(href.rsplit("/", 1)[1]) for href in
           page.locator("table.themes tbody td.title > a").evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    stored = dict(rows(db, "SELECT theme_id, status FROM current_themes"))
    closed = [i for i in ids if stored[i] in ("declined", "done")]
    assert set(closed) == {declined, done} and ids[-len(closed):] == closed  # open work first
    assert body.nth(len(ids) - len(closed)).inner_text().startswith("Declined or done")  # the line between them
    why, priority = rows(db, "SELECT why, priority FROM current_themes WHERE theme_id = ?", [first])[0]
    row = page.locator(f"table.themes tbody tr:has(a[href='/themes/{first}'])")
    assert row.locator(".why").inner_text() == f"Priority {priority:.2f}: {why}"
    page.goto(f"{shop_server.url}/themes/{first}")
    assert page.locator("p.why").inner_text() == f"Why this rank: {why}"  # the same words as the theme's page


@pytest.mark.parametrize("size", [(390, 844), (640, 450)], ids=["phone-390", "zoom-200"])
def test_pages_fit_a_phone_and_200_percent_zoom(browser, shop, shop_server, size):
    db, first, _, _ = shop
    page = login(browser, shop_server, PM)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    for path in ("/themes", f"/themes/{first}", "/runs", "/map"):
        page.goto(shop_server.url + path)
        width, seen = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width <= seen, (path, width, seen)  # was 1085 (/themes), 726 (a theme), 887 (/runs) at 390
    page.goto(f"{shop_server.url}/themes/{first}")
    right = page.evaluate("Math.max(...[...document.querySelectorAll('#status-form *')]"
                          ".map(e => e.getBoundingClientRect().right))")
    assert right <= size[0], right  # every field of the status form is on screen


def test_without_javascript_charts_and_map_show_their_numbers(browser, shop, shop_server):
    db, first, _, _ = shop
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(shop_server.url + "/login")
    page.fill("input[name=name]", PM[0])
    page.fill("input[name=password]", PM[1])
    page.click("button.primary")
    page.goto(shop_server.url + "/themes")
    fallback = page.locator(".noscript table.fallback")
    assert fallback.is_visible()
    sizes = rows(db, "SELECT t.display_title, count(*) FROM current_assignments a JOIN current_themes t "
                     "USING (theme_id) GROUP BY 1")
    biggest = max(n for _, n in sizes)
    assert fallback.locator("tbody tr").first.inner_text().split("\t")[:2] in [[t, str(n)] for t, n in sizes
                                                                                if n == biggest]
    assert "trend column" in page.locator(".noscript").nth(1).inner_text()
    page.goto(shop_server.url + "/map")
    counts = [int(c.replace(",", "")) for c in page.locator(".noscript td.num").all_inner_texts()]
    assert counts and sum(counts) == rows(db, "SELECT count(*) FROM comment_map m JOIN current_assignments a "
                                              "USING (source, comment_id) WHERE a.theme_id >= 0")[0][0]
    page.goto(f"{shop_server.url}/themes/{first}")
    assert "drawn with JavaScript, which is off" in page.locator(".noscript").first.inner_text()
    context.close()


def test_a_skip_link_is_the_first_tab_stop_and_leads_to_the_content(browser, shop_server, web_store):  # noqa: F811
    page = login(browser, shop_server, PM)
    page.goto(shop_server.url + "/themes")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.locator("a.skip").bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the content (the filters), not the navigation
    assert page.evaluate("document.activeElement.closest('main') !== null")
    agent = login(browser, shop_server, AGENT)
    agent.goto(f"{shop_server.url}/agent/{web_store[1][0]}?lang=de")
    assert agent.locator("a.skip").text_content() == "Zum Inhalt springen"
