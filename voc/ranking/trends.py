"""Trend flags per theme: when it was first seen, whether it is emerging, whether it spikes.

The rules, documented in one place (all on the comments' own dates, so a re-run
of the same data gives the same flags):

- first_seen: the date of the theme's FIRST_SEEN_COUNT-th comment (a stray early
  comment that happens to sit in a new theme does not make the theme old).
- emerging: first_seen falls in the current period (the last `period_days` up to
  the newest comment), and the store holds older data, so on a first run over a
  fresh export not every theme is "emerging".
- spike: the current day's or the current period's volume is more than
  SPIKE_SIGMA standard deviations above the mean of the trailing TRAILING_DAYS
  days / TRAILING_PERIODS periods, at least SPIKE_MIN_VOLUME comments, and
  improbable as chance: P(X >= volume) < SPIKE_P_VALUE for X ~ Poisson(trailing
  mean). The standard deviation is floored at 1, so 0 → 1 is never a spike.
  Trailing days before the first comment in the store do not count, and for an
  emerging theme neither do the days before it was first seen: zeros from before a
  problem existed are no baseline (against them 6 comments the day after a new
  problem's first 7 read "spike: 6 vs 0.2 ± 1.3 a day"; that it is new is what
  `emerging` says). An emerging theme spikes only against days of its own, so a
  theme first seen on the last day has none and is flagged emerging alone, with
  its count ("emerging: first seen 2026-11-21, 13 comments").
  Why the Poisson condition: at the small counts of most themes (a few a day) the
  2σ rule alone flagged 5 of 48 demo themes whose comments arrive at a steady rate;
  with it, those are quiet and the demo's emerging crash reports still flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

FIRST_SEEN_COUNT = 3
SPIKE_SIGMA = 2.0
SPIKE_MIN_VOLUME = 5
SPIKE_P_VALUE = 0.001
TRAILING_DAYS = 28
TRAILING_PERIODS = 4


@dataclass(frozen=True)
class ThemeFlags:
    first_seen: datetime
    emerging: bool
    spike: bool
    detail: str  # e.g. "spike: 14 on the last day vs 2.1 ± 1.3 a day in the 28 days before"; "" when not flagged


def is_spike(current: float, trailing: np.ndarray, sigma: float = SPIKE_SIGMA,
             min_volume: int = SPIKE_MIN_VOLUME) -> bool:
    """True when `current` is more than `sigma` standard deviations (floored at 1) above the trailing mean."""
    if current < min_volume or len(trailing) == 0:
        return False
    from scipy.stats import poisson  # here, not at the top: scipy.stats adds ~1 s to every `voc` command's start

    mean = float(trailing.mean())
    improbable = poisson.sf(current - 1, max(mean, 0.1)) < SPIKE_P_VALUE
    return bool(current > mean + sigma * max(float(trailing.std()), 1.0) and improbable)


def period_counts(day_index: np.ndarray, n_days: int, period_days: int) -> np.ndarray:
    """Counts per period of `period_days`, the last period ending on the newest day (older ones first).
    An incomplete oldest period is left out, except when the data covers less than one period: then that
    is the one (current) period."""
    daily = np.bincount(day_index, minlength=n_days)
    n_periods = max(1, n_days // period_days)
    tail = np.concatenate([np.zeros(max(0, period_days - n_days), dtype=daily.dtype), daily])
    tail = tail[len(tail) - n_periods * period_days:]
    return tail.reshape(n_periods, period_days).sum(axis=1)


def theme_flags(theme_ids: np.ndarray, created_at: list[datetime], period_days: int = 7) -> dict[int, ThemeFlags]:
    """ThemeFlags for every theme id >= 0 in `theme_ids` (one id per comment, aligned with `created_at`)."""
    if len(theme_ids) == 0:
        return {}
    stamps = np.array(created_at, dtype="datetime64[s]")
    days = stamps.astype("datetime64[D]")
    start, as_of = days.min(), days.max()
    day_index = (days - start).astype(np.int64)
    n_days = int(day_index.max()) + 1
    period_start = np.datetime64(stamps.max() - np.timedelta64(period_days, "D"))
    history = start < as_of - np.timedelta64(period_days, "D")
    flags = {}
    for theme in np.unique(theme_ids[theme_ids >= 0]).tolist():
        mask = theme_ids == theme
        own = np.sort(stamps[mask])
        first = own[min(FIRST_SEEN_COUNT, len(own)) - 1]
        emerging = bool(history and first >= period_start)
        daily = np.bincount(day_index[mask], minlength=n_days)
        periods = period_counts(day_index[mask], n_days, period_days)
        own_days = n_days - int((first.astype("datetime64[D]") - start).astype(np.int64)) if emerging else n_days
        trail_days = daily[max(0, n_days - 1 - TRAILING_DAYS, n_days - own_days):-1]
        trail_periods = periods[max(0, len(periods) - 1 - TRAILING_PERIODS):-1] if not emerging else periods[:0]
        day_spike, period_spike = is_spike(daily[-1], trail_days), is_spike(periods[-1], trail_periods)
        detail = ""
        if day_spike:
            detail = (f"spike: {daily[-1]} on the last day vs {trail_days.mean():.1f} ± {trail_days.std():.1f} a day "
                      f"in the {len(trail_days)} days before")
        elif period_spike:
            detail = (f"spike: {periods[-1]} in the last {period_days} days vs "
                      f"{trail_periods.mean():.1f} ± {trail_periods.std():.1f}")
        if emerging:
            detail = f"emerging: first seen {str(first)[:10]}, {int(mask.sum())} comments" + (f"; {detail}" if detail else "")
        flags[int(theme)] = ThemeFlags(first.astype(datetime), emerging, day_spike or period_spike, detail)
    return flags


# ---- Reading trends and segments from the published run (the `current_*` views) ----

SEGMENT_DIMENSIONS = ("channel", "product", "team", "language")

PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promote, 0-6 detract


def nps_sql(column: str = "nps") -> str:
    """SQL for the NPS of a group's 0-10 ratings in `column`, as `voc.ranking.rank.nps_of`: % promoters minus
    % detractors (NULL without ratings)."""
    return (f"round(100.0 * (count(*) FILTER (WHERE {column} >= {PROMOTER}) - count(*) FILTER (WHERE {column} <= "
            f"{DETRACTOR})) / nullif(count({column}), 0), 1)")


TRENDS_SQL = f"""
SELECT theme_id, theme_title, period, period_start, count(*) AS volume,
       round(avg(sentiment_score), 3) AS mean_sentiment,
       round(avg(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END), 3) AS share_negative,
       round(avg(csat), 2) AS mean_csat, {nps_sql()} AS nps, round(avg(nps), 2) AS mean_nps
FROM (SELECT *, 'day' AS period, date_trunc('day', created_at) AS period_start FROM current_assignments
      UNION ALL
      SELECT *, 'week' AS period, date_trunc('week', created_at) AS period_start FROM current_assignments)
WHERE theme_id >= 0
GROUP BY ALL ORDER BY theme_id, period, period_start
"""

SEGMENTS_SQL = " UNION ALL ".join(f"""
SELECT theme_id, theme_title, '{dim}' AS dimension, coalesce({dim}, '(none)') AS value, count(*) AS volume,
       round(avg(sentiment_score), 3) AS mean_sentiment,
       round(avg(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END), 3) AS share_negative,
       round(avg(csat), 2) AS mean_csat, {nps_sql()} AS nps
FROM current_assignments WHERE theme_id >= 0 GROUP BY ALL""" for dim in SEGMENT_DIMENSIONS) + \
    " ORDER BY theme_id, dimension, volume DESC, value"


@dataclass
class RecentTheme:
    theme_id: int
    title: str
    status: str
    volume: int            # in the window
    volume_before: int     # in the window of the same length before it
    daily: list[int]       # one count per day of the window, oldest first
    mean_sentiment: float | None  # None: no comment in the window
    emerging: bool
    spike: bool
    why: str


def recent(con, since_days: int) -> tuple[str, list[RecentTheme]]:
    """Themes with comments in the last `since_days` days up to the newest comment, or in the window of the same
    length before it: a theme that went quiet (a fixed problem) is listed with volume 0, spiking, emerging and
    busiest first."""
    as_of = con.execute("SELECT max(created_at)::DATE FROM current_assignments").fetchall()[0][0]
    if as_of is None:
        return "", []
    rows = con.execute("""
        SELECT a.theme_id, datediff('day', a.created_at::DATE, ?::DATE) AS age, count(*), sum(a.sentiment_score)
        FROM current_assignments a WHERE a.theme_id >= 0 AND a.created_at::DATE > ?::DATE - 2 * ?
        GROUP BY ALL""", [as_of, as_of, since_days]).fetchall()
    themes = {t: (title, status, emerging, spike, why) for t, title, status, emerging, spike, why in con.execute(
        "SELECT theme_id, display_title, status, emerging, spike, why FROM current_themes").fetchall()}
    daily: dict[int, list[int]] = {}
    before: dict[int, int] = {}
    sentiment: dict[int, float] = {}
    for theme, age, count, total in rows:
        days = daily.setdefault(theme, [0] * since_days)
        if age < since_days:
            days[since_days - 1 - age] = count
            sentiment[theme] = sentiment.get(theme, 0.0) + total
        else:
            before[theme] = before.get(theme, 0) + count
    result = [RecentTheme(t, *themes[t][:2], sum(days), before.get(t, 0), days,
                          round(sentiment[t] / sum(days), 2) if sum(days) else None, *themes[t][2:])
              for t, days in daily.items() if t in themes]
    result.sort(key=lambda r: (-(r.spike or r.emerging), -r.volume, r.theme_id))
    return str(as_of), result
