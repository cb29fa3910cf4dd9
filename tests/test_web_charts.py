"""The web app's Plotly charts in a real browser: user text shown as text, a period that is not over drawn as
partial, a theme map whose largest themes are named and told apart. (Server, login and the store: tests/test_web.py.)
"""

from __future__ import annotations

import shutil
from datetime import datetime

from tests.dbutil import rows
from tests.test_web import PM, Server, browser, login, web_store  # noqa: F401  (fixtures used by name)
from voc import store
from voc.web import charts, queries, queries_theme, queries_themes
from voc.web.app import create_app

BOLD = 'Paket <b>BOLD</b> <a href="https://example.com/x">klick</a> & co'
LINK = '<a href="https://example.com">P</a>'
READ_AT = datetime(2026, 11, 24, 2, 0)  # the nightly run that read the data, days after the newest comment


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
    markup is shown as the text it is in the bar chart, the line chart's legend, the map's labels and every hover,
    as on every page; a segment value (a channel named in markup) too."""
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
        assert charts.short_title(BOLD) in _hover(page, 1, 0, 0)
        for plot in (bars, lines):
            _no_markup(plot)

        page.goto(f"{server.url}/map")
        (plot,) = _plots(page)
        labels = plot.locator(".annotation-text").all_text_contents()
        assert charts.short_title(BOLD) in labels and LINK in labels, labels
        _no_markup(plot)

        page.goto(f"{server.url}/themes/{biggest}")
        channel = _plots(page)[1]  # the segment mix, channel first
        assert "<i>chat</i>" in channel.locator(".xtick text").all_text_contents()
        assert channel.locator("svg i").count() == 0 and channel.locator("tspan[style*='italic']").count() == 0


def _partial_week_store(web_store, tmp_path):  # noqa: F811
    """The demo store with its newest comments moved to the Wednesday after its last week, read at READ_AT:
    the week of Nov 16 has three days of data (Mon to Wed) of seven."""
    db = _copy(web_store, tmp_path)
    with store.open(db, write=True) as con:
        con.execute("UPDATE comments SET created_at = TIMESTAMP '2026-11-18 10:00' WHERE comment_id IN "
                    "(SELECT comment_id FROM comments ORDER BY created_at DESC LIMIT 40)")
        con.execute("UPDATE runs SET started_at = ?", [READ_AT])
    return db


def test_a_week_not_over_is_drawn_as_so_far_not_as_a_drop(browser, web_store, tmp_path):  # noqa: F811
    """Three days into a week, the line chart draws that week dotted to a hollow point marked "so far (3 of 7
    days)" (hover too), each sparkline's last bar is hollow with the same words, and the theme page's last bar is
    hatched; a store whose last week is whole marks nothing."""
    db = _partial_week_store(web_store, tmp_path)
    theme = rows(db, "SELECT theme_id FROM current_assignments WHERE created_at >= '2026-11-16' "
                     "GROUP BY ALL ORDER BY count(*) DESC LIMIT 1")[0][0]
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, PM)
        lines = _plots(page)[1]
        assert "so far (3 of 7 days)" in lines.locator(".annotation-text").all_text_contents()
        traces = page.evaluate("document.querySelectorAll('.js-plotly-plot')[1].data.map(t => "
                               "[t.x[t.x.length - 1], (t.line || {}).dash || 'solid', (t.marker || {}).symbol])")
        dotted = [t for t in traces if t[1] == "dot"]
        assert dotted and len(dotted) * 2 == len(traces), traces  # each theme: whole weeks solid, then dotted
        assert all(x == "2026-11-16" and symbol[-1] == "circle-open" for x, _, symbol in dotted), dotted
        assert all(x == "2026-11-09" for x, dash, _ in traces if dash == "solid"), traces
        assert "Nov 16 so far (3 of 7 days)" in _hover(page, 1, 1, 1)
        sparks = page.locator("svg.spark")
        assert sparks.count() and sparks.count() == page.locator("svg.spark rect:last-child.partial").count()
        assert page.locator("svg.spark rect.partial").count() == sparks.count()  # the last bar only
        assert "(last: so far, 3 of 7 days)" in sparks.first.locator("title").text_content()

        page.goto(f"{server.url}/themes/{theme}")
        series = _plots(page)[0]
        assert "so far (3 of 7 days)" in series.locator(".annotation-text").all_text_contents()
        shapes = page.evaluate("document.querySelectorAll('.js-plotly-plot')[0].data[0].marker.pattern.shape")
        assert shapes[-1] == "/" and set(shapes[:-1]) == {""}, shapes

    from voc.pm.report import write_report

    page.goto(write_report(db, tmp_path / "report.html").as_uri())  # the report says so too: it is mailed around
    charts = page.locator("section.theme svg")
    assert charts.count() > 3
    for i in range(charts.count()):
        chart = charts.nth(i)
        fills = chart.locator("circle").evaluate_all("els => els.map(e => e.getAttribute('fill'))")
        assert [f == "white" for f in fills] == [False] * (len(fills) - 1) + [True], fills
        assert "2026-11-16 (so far, 3 of 7 days): " in chart.locator("circle").last.locator("title").text_content()
        assert chart.locator("polyline.partial").count() == 1
        assert chart.locator("text.so-far").text_content() == "so far (3 of 7 days)"

    (tmp_path / "whole").mkdir()
    whole = _copy(web_store, tmp_path / "whole")
    with store.open(whole, write=True) as con:
        con.execute("UPDATE runs SET started_at = ?", [READ_AT])
    with Server(create_app(whole, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, PM)
        lines = _plots(page)[1]
        assert "so far" not in lines.inner_text() and page.locator("svg.spark rect.partial").count() == 0
        assert "dot" not in page.evaluate("document.querySelectorAll('.js-plotly-plot')[1].data.map(t => "
                                          "(t.line || {}).dash || 'solid')")
        page.goto(write_report(whole, tmp_path / "whole" / "report.html").as_uri())
        assert page.locator("svg circle[fill=white]").count() == 0 and page.locator("text.so-far").count() == 0


def test_the_last_day_is_partial_when_the_run_read_it_before_it_was_over(web_store, tmp_path):  # noqa: F811
    """A run during the day: its day is "so far (to 11:00)" in the per-day view; read at night, the day is whole;
    a week the data reach into at noon says up to when."""
    db = _partial_week_store(web_store, tmp_path)
    with store.open(db, write=True) as con:
        ids = [t for t, in con.execute("SELECT theme_id FROM current_themes").fetchall()]
        _, counts = queries_themes.trend_counts(con, ids, "day", queries.Filters())
        assert {c.so_far for c in counts.values()} == {None}  # Wednesday, read the next Tuesday: whole
        con.execute("UPDATE runs SET started_at = TIMESTAMP '2026-11-18 11:00'")
        labels, counts = queries_themes.trend_counts(con, ids, "day", queries.Filters())
        assert labels[-1] == "2026-11-18" and {c.so_far for c in counts.values()} == {"to 11:00"}
        _, counts = queries_themes.trend_counts(con, ids, "week", queries.Filters())
        assert {c.so_far for c in counts.values()} == {"to Wed 11:00"}
        series = queries_theme.series(con, ids[0], "day")
        assert series[-1]["so_far"] in (None, "to 11:00") and all(s["so_far"] is None for s in series[:-1])


def test_the_map_names_its_new_and_largest_themes_in_colours_of_their_own(browser, web_store, tmp_path):  # noqa: F811
    """The map's caption says what it shows (comments in themes, the unclustered not shown: no "sample" when
    nothing was sampled); a new theme, however small, then the nine largest each have a colour no other theme has
    and their title on the map (the new problem was a grey cloud with no name); the others are grey."""
    db = _copy(web_store, tmp_path)
    with store.open(db, write=True) as con:  # three more unclustered comments (placed on an earlier map)
        con.execute("UPDATE assignments SET theme_id = -1 WHERE comment_id IN (SELECT comment_id FROM comment_map "
                    "ORDER BY comment_id LIMIT 3)")
        con.execute("UPDATE themes SET emerging = (theme_id = (SELECT theme_id FROM current_themes ORDER BY size, "
                    "theme_id LIMIT 1)), spike = false WHERE run_id = (SELECT run_id FROM published "
                    "WHERE name = 'themes')")  # the smallest theme new, none spiking
    sizes = rows(db, "SELECT a.theme_title, count(*) AS n FROM comment_map m JOIN current_assignments a "
                     "USING (source, comment_id) JOIN current_themes t ON t.theme_id = a.theme_id "
                     "WHERE a.theme_id >= 0 GROUP BY a.theme_id, a.theme_title, t.emerging "
                     "ORDER BY t.emerging DESC, n DESC, a.theme_id")
    assert rows(db, "SELECT count(*) FROM current_themes WHERE emerging")[0][0] == 1
    comments, unclustered = rows(db, "SELECT count(*), count(*) FILTER (theme_id < 0) FROM current_assignments")[0]
    assert len(sizes) > len(charts.PALETTE) and unclustered >= 3  # more themes than colours
    with Server(create_app(db, secret="test-secret", sync_seconds=None)) as server:
        page = login(browser, server, PM)
        page.goto(f"{server.url}/map")
        (plot,) = _plots(page)
        caption = page.inner_text(".sub")
        assert caption.startswith(f"{comments - unclustered:,} comments in {len(sizes)} themes; "
                                  f"{unclustered:,} unclustered not shown."), caption
        assert "sample" not in caption
        named = sizes[:len(charts.PALETTE)]
        labels = plot.locator(".annotation-text").all_text_contents()
        assert sorted(labels) == sorted(charts.short_title(t) for t, _ in named), labels
        colour = dict(page.evaluate("document.querySelector('.js-plotly-plot').data.map(t => [t.name, "
                                    "t.marker.color])"))
        assert len({colour[t] for t, _ in named}) == len(named)  # no two alike
        assert {colour[t] for t, _ in sizes[len(named):]} == {charts.OTHER}
        assert sum(page.evaluate("document.querySelector('.js-plotly-plot').data.map(t => t.x.length)")) == (
            comments - unclustered)


def test_a_week_without_comments_is_a_bar_of_zero_not_a_gap_the_axis_closes(web_store, tmp_path):  # noqa: F811
    """Walkthrough 7 (F17): a theme with comments in the weeks of Nov 9 and Nov 23 showed two bars side by side."""
    db = _copy(web_store, tmp_path)
    with store.open(db, write=True) as con:
        theme = con.execute("SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1").fetchone()[0]
        weeks = queries_theme.series(con, theme, "week")
        middle = weeks[len(weeks) // 2]["period"]
        con.execute("UPDATE assignments SET theme_id = -1 WHERE theme_id = ? AND (source, comment_id) IN "
                    "(SELECT source, comment_id FROM comments WHERE date_trunc('week', created_at)::DATE = ?)",
                    [theme, middle])
        after = queries_theme.series(con, theme, "week")
    assert [w["period"] for w in after] == [w["period"] for w in weeks]
    gap = next(w for w in after if w["period"] == middle)
    assert gap["volume"] == 0 and gap["sentiment"] is None
