"""Every read the web pages make; templates get plain dicts and lists, never SQL. This module: what the pages share.

All of it reads the `current_*` views of a snapshot (see `voc.web.mirror`), so pages show the
last published run. Values are always parameters; the only identifiers put into SQL are the
segment dimensions, from a fixed tuple. Here: the filters a page is narrowed by, the values they can take, a
theme's sub-themes, and whether the last period of a chart is over. Each page's own reads are beside it:
`voc.web.queries_themes` (the themes page, the map, the report), `voc.web.queries_theme` (a theme's page),
`voc.web.queries_runs` (the runs page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from voc.ranking.trends import SEGMENT_DIMENSIONS
from voc.store import dicts as rows
from voc.store import scalar

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "all": None}  # the period filter: days back from the newest comment
GRAINS = ("week", "day")  # what a chart counts per, the first the default
PERIOD_DAYS = {"week": 7, "day": 1}  # how long a period of each grain is


@dataclass
class Filters:
    """What the themes page and a theme's comment list can be narrowed to."""
    period: str = "all"
    channel: str = ""
    product: str = ""
    team: str = ""
    language: str = ""
    status: str = ""
    q: str = ""
    sentiment: str = ""
    segments: dict = field(default_factory=dict)

    @classmethod
    def from_query(cls, params) -> "Filters":
        f = cls(**{k: (params.get(k) or "").strip()[:200] for k in
                   ("period", "channel", "product", "team", "language", "status", "q", "sentiment")})
        f.period = f.period if f.period in PERIODS else "all"
        return f

    def where(self, as_of, themed: bool = True) -> tuple[str, list]:
        """A WHERE clause over current_assignments (alias a) for the comment-level filters; `themed=False` keeps the
        unclustered comments too (the whole the ranking measures a theme's impact against)."""
        clauses, params = ["a.theme_id >= 0" if themed else "TRUE"], []
        days = PERIODS[self.period]
        if days and as_of is not None:
            clauses.append("a.created_at > ?::TIMESTAMP - to_days(?)")
            params += [as_of, days]
        for dim in SEGMENT_DIMENSIONS:
            value = getattr(self, dim)
            if value:
                clauses.append(f"coalesce(a.{dim}, '(none)') = ?")
                params.append(value)
        if self.sentiment:
            clauses.append("a.sentiment = ?")
            params.append(self.sentiment)
        return " AND ".join(clauses), params

    def narrowed(self) -> bool:
        return bool(self.period != "all" or any(getattr(self, d) for d in SEGMENT_DIMENSIONS) or self.sentiment)


def as_of(con) -> object:
    return scalar(con, "SELECT max(created_at) FROM current_assignments")


def facets(con) -> dict[str, list[str]]:
    """The values each filter can take, most frequent first."""
    out = {}
    for dim in SEGMENT_DIMENSIONS:
        out[dim] = [r[0] for r in con.execute(
            f"SELECT coalesce({dim}, '(none)') AS v FROM current_assignments GROUP BY v ORDER BY count(*) DESC, v "
            "LIMIT 50").fetchall()]
    return out


def sub_themes(con, theme_id: int) -> list[dict]:
    """A theme's sub-themes, largest first; empty while the store has no sub-theme level (schema before it)."""
    has = scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'current_subthemes'")
    if not has:
        return []
    return rows(con, "SELECT subtheme_id, title, keywords, size FROM current_subthemes WHERE theme_id = ? "
                     "ORDER BY size DESC, subtheme_id", [theme_id])


class PeriodCounts(list):
    """Comments per period, oldest first. `so_far` says how much of the last period the data cover when that period
    is not over ("3 of 7 days", "to 11:05"), else None: charts draw such a period as partial, not as a drop."""

    def __init__(self, values=(), so_far: str | None = None):
        super().__init__(values)
        self.so_far = so_far


def data_until(con) -> datetime | None:
    """When the published comments end: the end of the newest comment's day, or the start of the run that read
    them if that came first (a run during the day). A period ending later is not over in the data."""
    newest = as_of(con)
    if newest is None:
        return None
    day_end = datetime.combine(newest.date(), time()) + timedelta(days=1)
    read = scalar(con, "SELECT max(started_at) FROM runs WHERE status = 'succeeded' AND mode <> 'edit'")
    return max(newest, min(read, day_end)) if read is not None else day_end


def so_far(start, grain: str, until: datetime | None) -> str | None:
    """How much of the period `grain` starting at `start` the data reaching `until` cover, when not all of it."""
    start = datetime.combine(start, time()) if not isinstance(start, datetime) else start
    length = timedelta(days=PERIOD_DAYS[grain])
    if until is None or until >= start + length:
        return None
    if grain == "day":
        return f"to {until:%H:%M}"
    if until.time() != time():  # a run during the day: up to when
        return f"to {until:%a %H:%M}"
    return f"{(until - start).days} of {PERIOD_DAYS[grain]} days"
