"""Rank themes: volume, sentiment, CSAT/NPS, change versus the previous period.

The priority score, documented in one place:

    priority = 100 × share × negativity × momentum

    share      = theme size / all comments of the run (unclustered included)
    negativity = 0.5 + share of the theme's comments labelled negative   (0.5 … 1.5)
    momentum   = 1 + 0.5 × clip(growth, -1, 2)                           (0.5 … 2.0)
    growth     = (volume in the current period − volume in the previous period)
                 / max(volume in the previous period, 1)

A period is `period_days` long and ends at the newest comment of the run. So a
theme that is large, mostly negative and growing ranks first; a small, friendly,
shrinking one ranks last. `why` spells the three factors out for every theme,
followed by the spike / emerging flags of `voc.trends` when a theme has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from voc.trends import ThemeFlags


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
    rank: int = 0
    why: str = ""
    first_seen: datetime | None = None
    emerging: bool = False
    spike: bool = False
    share_human_label: float = 0.0
    share_score_label: float = 0.0


def priority_score(share: float, share_negative: float, growth: float) -> float:
    negativity = 0.5 + share_negative
    momentum = 1 + 0.5 * float(np.clip(growth, -1.0, 2.0))
    return 100.0 * share * negativity * momentum


def explain(r: ThemeRank, period_days: int) -> str:
    sign = "+" if r.growth >= 0 else ""
    return (f"{r.share:.1%} of comments × {r.share_negative:.0%} negative × "
            f"{sign}{r.growth:.0%} vs previous {period_days} days ({r.volume_previous} → {r.volume_current})")


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
    total = len(labels)
    ranks = []
    for theme in np.unique(labels[labels >= 0]).tolist():
        idx = np.flatnonzero(labels == theme)
        current, previous = int(is_current[idx].sum()), int(is_previous[idx].sum())
        growth = (current - previous) / max(previous, 1)
        share, share_negative = len(idx) / total, float(negative[idx].mean())
        ranks.append(ThemeRank(
            theme_id=theme, size=len(idx), share=round(share, 4),
            mean_sentiment=round(float(sentiment_scores[idx].mean()), 3), share_negative=round(share_negative, 3),
            mean_csat=_mean([csat[i] for i in idx]), mean_nps=_mean([nps[i] for i in idx]),
            volume_current=current, volume_previous=previous, growth=round(growth, 3),
            priority=round(priority_score(share, share_negative, growth), 3),
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
            r.why += f"; {flag.detail}" if flag.detail else ""
    return ranks
