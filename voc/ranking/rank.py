"""Rank themes: volume, sentiment, CSAT/NPS and their impact, change versus the previous period.

The priority score, documented in one place:

    priority = 100 × share × negativity × momentum × impact

    share      = theme size / all comments of the run (unclustered included)
    negativity = 0.5 + share of the theme's comments labelled negative   (0.5 … 1.5)
    momentum   = 1 + 0.5 × clip(growth, -1, 2)                           (0.5 … 2.0)
    growth     = (volume in the current period − volume in the previous period)
                 / max(volume in the previous period, 1)
    impact     = 1 + max(clip(csat_impact / CSAT_POINTS, 0, 1), clip(nps_impact / NPS_POINTS, 0, 1))
                 (1 … 2; 1 where the comments carry no CSAT / NPS)

Scores (only over comments that carry them):
    CSAT        = mean rating
    NPS         = % promoters (9-10) − % detractors (0-6), from -100 to 100 (not the mean rating)
    csat_impact = overall CSAT without the theme's comments − overall CSAT   (points on the CSAT scale)
    nps_impact  = overall NPS without the theme's comments − overall NPS     (NPS points)
A positive impact means the theme pulls the overall score down by that much.

A period is `period_days` long and ends at the newest comment of the run. So a
theme that is large, mostly negative and growing ranks first; a small, friendly,
shrinking one ranks last. `why` spells the three factors out for every theme,
followed by the spike / emerging flags of `voc.ranking.trends` when a theme has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from voc.ranking.trends import DETRACTOR, PROMOTER, ThemeFlags

# `why` is the priority's factors, then (after this) the spike / emerging detail of `voc.ranking.trends`
FLAG_SEPARATOR = "; "
CSAT_POINTS = 0.25  # a theme that costs a quarter point of overall CSAT (1-5 scale) doubles its priority
NPS_POINTS = 5.0    # ... or five points of overall NPS


@dataclass
class ThemeRank:
    theme_id: int
    size: int
    share: float
    mean_sentiment: float
    share_negative: float
    mean_csat: float | None
    mean_nps: float | None
    volume_current: int
    volume_previous: int
    growth: float
    priority: float
    nps: float | None = None
    csat_impact: float | None = None
    nps_impact: float | None = None
    rank: int = 0
    why: str = ""
    first_seen: datetime | None = None
    emerging: bool = False
    spike: bool = False
    share_human_label: float = 0.0
    share_score_label: float = 0.0


def impact_factor(csat_impact: float | None, nps_impact: float | None) -> float:
    parts = [float(np.clip(v / scale, 0.0, 1.0)) for v, scale in ((csat_impact, CSAT_POINTS), (nps_impact, NPS_POINTS))
             if v is not None]
    return 1.0 + max(parts, default=0.0)


def priority_score(share: float, share_negative: float, growth: float, impact: float = 1.0) -> float:
    negativity = 0.5 + share_negative
    momentum = 1 + 0.5 * float(np.clip(growth, -1.0, 2.0))
    return 100.0 * share * negativity * momentum * impact


def nps_of(ratings: np.ndarray) -> float | None:
    """Net Promoter Score of 0-10 ratings: % promoters (9-10) minus % detractors (0-6); None without ratings."""
    if len(ratings) == 0:
        return None
    return 100.0 * (float((ratings >= PROMOTER).mean()) - float((ratings <= DETRACTOR).mean()))


def impacts(values: np.ndarray, in_theme: np.ndarray, score) -> tuple[float | None, float | None]:
    """(the theme's own score, overall score without the theme − overall score) over rows with a value."""
    present = ~np.isnan(values)
    own, rest = values[present & in_theme], values[present & ~in_theme]
    overall = score(values[present])
    if not len(own):
        return None, None
    without = score(rest) if len(rest) else None
    return score(own), (round(without - overall, 3) if without is not None and overall is not None else None)


def _as_array(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def growth_text(previous: int, current: int, growth: float) -> str:
    """"+25%", or "new" when the previous period had no comments (a percentage of nothing says nothing)."""
    return "new" if previous == 0 and current > 0 else f"{growth:+.0%}"


def explain(r: ThemeRank, period_days: int) -> str:
    change = (f"new in the last {period_days} days (0 → {r.volume_current})"
              if r.volume_previous == 0 < r.volume_current
              else f"{r.growth:+.0%} vs previous {period_days} days ({r.volume_previous} → {r.volume_current})")
    text = f"{r.share:.1%} of comments × {r.share_negative:.0%} negative × {change}"
    costs = [f"{r.csat_impact:+.2f} CSAT" if r.csat_impact else "", f"{r.nps_impact:+.1f} NPS" if r.nps_impact else ""]
    costs = [c for c in costs if c]
    return text + (f" × impact (overall without it: {', '.join(costs)})" if costs else "")


def flag_detail(why: str) -> str:
    """The spike / emerging part of a theme's `why` ("spike: 12 on the last day vs 0.8 ± 0.9 a day"), or ""."""
    return why.split(FLAG_SEPARATOR, 1)[1] if FLAG_SEPARATOR in (why or "") else ""


def needs_a_look(themes: list[dict]) -> list[dict]:
    """The themes flagged emerging or spiking, in rank order, each with its `flags` detail: what a PM should see
    first even when its volume ranks it low (a new problem starts small: the demo's app crash ranked 16th of 20)."""
    return [{**t, "flags": flag_detail(t.get("why") or "")} for t in themes if t.get("emerging") or t.get("spike")]


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return round(float(np.mean(present)), 2) if present else None


def rank_themes(labels: np.ndarray, sentiment_scores: np.ndarray, sentiment_labels: list[str],
                created_at: list[datetime], csat: list[int | None], nps: list[int | None],
                period_days: int = 7, flags: dict[int, ThemeFlags] | None = None,
                sentiment_origins: list[str] | None = None) -> list[ThemeRank]:
    """One ThemeRank per theme id present in `labels` (ids >= 0), ordered by priority (rank 1 first).
    `sentiment_origins` (human | score | model | lexicon per comment) gives the shares labeled by people and
    by CSAT/NPS."""
    if len(labels) == 0:
        return []
    as_of = max(created_at)
    current_start = as_of - timedelta(days=period_days)
    previous_start = current_start - timedelta(days=period_days)
    is_current = np.array([t > current_start for t in created_at])
    is_previous = np.array([previous_start < t <= current_start for t in created_at])
    negative = np.array([s == "negative" for s in sentiment_labels])
    origins = np.array(sentiment_origins if sentiment_origins is not None else ["lexicon"] * len(labels), dtype=object)
    csat_values, nps_values = _as_array(csat), _as_array(nps)
    mean = lambda v: float(v.mean()) if len(v) else None  # noqa: E731
    total = len(labels)
    ranks = []
    for theme in np.unique(labels[labels >= 0]).tolist():
        idx = np.flatnonzero(labels == theme)
        current, previous = int(is_current[idx].sum()), int(is_previous[idx].sum())
        growth = (current - previous) / max(previous, 1)
        share, share_negative = len(idx) / total, float(negative[idx].mean())
        in_theme = labels == theme
        _, csat_impact = impacts(csat_values, in_theme, mean)
        theme_nps, nps_impact = impacts(nps_values, in_theme, nps_of)
        ranks.append(ThemeRank(
            theme_id=theme, size=len(idx), share=round(share, 4),
            mean_sentiment=round(float(sentiment_scores[idx].mean()), 3), share_negative=round(share_negative, 3),
            mean_csat=_mean([csat[i] for i in idx]), mean_nps=_mean([nps[i] for i in idx]),
            volume_current=current, volume_previous=previous, growth=round(growth, 3),
            priority=round(priority_score(share, share_negative, growth, impact_factor(csat_impact, nps_impact)), 3),
            nps=round(theme_nps, 1) if theme_nps is not None else None, csat_impact=csat_impact, nps_impact=nps_impact,
            share_human_label=round(float((origins[idx] == "human").mean()), 3),
            share_score_label=round(float((origins[idx] == "score").mean()), 3),
        ))
    ranks.sort(key=lambda r: (-r.priority, r.theme_id))
    for position, r in enumerate(ranks, start=1):
        r.rank = position
        r.why = explain(r, period_days)
        flag = (flags or {}).get(r.theme_id)
        if flag:
            r.first_seen, r.emerging, r.spike = flag.first_seen, flag.emerging, flag.spike
            r.why += f"{FLAG_SEPARATOR}{flag.detail}" if flag.detail else ""
    return ranks
