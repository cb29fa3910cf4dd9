"""The web app's Plotly charts in a real browser: user text shown as text. (Server, login and the store:
tests/test_web.py.)
"""

from __future__ import annotations

import shutil

from tests.dbutil import rows
from tests.test_web import PM, Server, browser, login, web_store  # noqa: F401  (fixtures used by name)
from voc import store
from voc.web import charts
from voc.web.app import create_app

BOLD = 'Paket <b>BOLD</b> <a href="https://example.com/x">klick</a> & co'
LINK = '<a href="https://example.com">P</a>'


def _copy(web_store, tmp_path):  # noqa: F811
    db = tmp_path / "voc.duckdb"
    shutil.copy(web_store[0], db)
    return db


def _plots(page):
    page.wait_for_selector(".js-plotly-plot")
    return page.locator(".js-plotly-plot").all()


def _hover(page, plot_index: int, curve: int, point: int) -> str:
    """What Plotly shows when the pointer is on one point of an SVG trace."""
    page.evaluate("([i, c, p]) => Plotly.Fx.hover(document.querySelectorAll('.js-plotly-plot')[i], "
                  "[{curveNumber: c, pointNumber: p}])", [plot_index, curve, point])
    return page.locator(".js-plotly-plot").nth(plot_index).locator(".hoverlayer").text_content()


def _no_markup(plot) -> None:
    assert plot.locator("svg a").count() == 0, plot.inner_html()[:2000]
    assert plot.locator("tspan[style*='font-weight:bold']").count() == 0


def test_titles_in_charts_read_as_typed_not_as_markup(browser, web_store, tmp_path):  # noqa: F811
    """Plotly reads `<b>`, `<a href>` and entities in labels, legends, annotations and hover: a theme renamed to
    markup is shown as the text it is in the bar chart, the line chart's legend and the hover, as on every page; a
    segment value (a channel named in markup) too."""
    from voc.pm import theme_edit

    db = _copy(web_store, tmp_path)
    biggest, second = [t for t, in rows(db, "SELECT theme_id FROM current_themes ORDER BY size DESC, theme_id LIMIT 2")]
    theme_edit.rename(db, biggest, BOLD, "anna")
    theme_edit.rename(db, second, LINK, "anna")
    with store.open(db, write=True) as con:
        con.execute("UPDATE comments SET channel = '<i>chat</i>' WHERE channel = 'chat'")
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, PM)
        bars, lines = _plots(page)[:2]
        ticks = bars.locator(".ytick text").all_text_contents()
        assert charts.short_title(BOLD) in ticks and LINK in ticks, ticks
        assert BOLD in _hover(page, 0, 0, len(ticks) - 1)  # the biggest bar, its whole title in the hover
        assert charts.short_title(BOLD) in lines.locator(".legendtext").all_text_contents()
        for plot in (bars, lines):
            _no_markup(plot)

        page.goto(f"{server.url}/themes/{biggest}")
        channel = _plots(page)[1]  # the segment mix, channel first
        assert "<i>chat</i>" in channel.locator(".xtick text").all_text_contents()
        assert channel.locator("svg i").count() == 0 and channel.locator("tspan[style*='italic']").count() == 0
