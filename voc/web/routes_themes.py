"""The themes page: ranked themes under filters, with a top-themes chart and each theme's trend."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Depends, Request

from voc.pm.workflow import STATUSES
from voc.ranking.rank import needs_a_look
from voc.web import auth, charts, queries, queries_themes
from voc.web.pages import mirror_of, render
from voc.web.users import User

router = APIRouter()


@router.get("/themes")
def themes_page(request: Request, grain: str = "week", user: User = Depends(auth.pm)):
    f = queries.Filters.from_query(request.query_params)
    grain = grain if grain in queries.GRAINS else "week"
    with mirror_of(request).read() as con:
        run = queries_themes.run_info(con)
        rows = queries_themes.themes(con, f)
        labels, counts = queries_themes.trend_counts(con, [t["theme_id"] for t in rows], grain, f)
        facets, totals = queries.facets(con), queries_themes.counts(con)
        teams = queries_themes.handoff_teams(con)
        subs = {t["theme_id"]: queries.sub_themes(con, t["theme_id"]) for t in rows}
    trend_max = max((max(c) for c in counts.values() if c), default=0)
    titles = {t["theme_id"]: t["title"] for t in rows}
    top = {t: counts[t] for t in sorted(counts, key=lambda t: -sum(counts[t]))}
    return render(request, "themes.html", run=run, themes=rows, attention=needs_a_look(rows), f=f, grain=grain,
                  facets=facets, totals=totals, teams=teams, top_shown=charts.TOP_THEMES,
                  statuses=STATUSES, periods=list(queries.PERIODS), labels=labels, counts=counts,
                  trend_max=trend_max, subs=subs, bar_chart=charts.top_themes(rows) if rows else None,
                  line_chart=charts.volume_lines(labels, top, titles) if rows else None)


@router.get("/map")
def map_page(request: Request, user: User = Depends(auth.pm)):
    with mirror_of(request).read() as con:
        points = queries_themes.map_points(con)
        totals = queries_themes.counts(con)
    per_theme = Counter((p["theme_id"], p["title"]) for p in points)  # the map's numbers, for a browser without script
    return render(request, "map.html", figure=charts.theme_map(points) if points else None, shown=len(points),
                  totals=totals, on_map=[(title, n) for (_, title), n in per_theme.most_common()])
