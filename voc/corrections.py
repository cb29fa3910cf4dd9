"""A product manager's corrections of single comments: their sentiment, or the theme they belong to.

A correction (a comment's sentiment, or the theme it belongs to) is kept in
`comment_corrections` keyed by the comment, so it outlives runs; the
`current_assignments` view applies it, so every page, export and agent view
shows the corrected value. Theme sizes and ranks catch up at the next run.
Merging and splitting whole themes is `voc.theme_edit` (the theme hierarchy work).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from voc import workflow
from voc.errors import NotFoundError, TransitionError
from voc.store import first_row, transaction

SENTIMENTS = ("negative", "neutral", "positive")
# A PM's label is certain, so a corrected comment counts with the full score of its label.
CORRECTED_SCORES = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def _comment(con: duckdb.DuckDBPyConnection, source: str, comment_id: str) -> tuple:
    row = first_row(con, "SELECT theme_id, sentiment FROM current_assignments WHERE source = ? AND comment_id = ?",
                    [source, comment_id])
    if row is None:
        raise NotFoundError(f"no comment {source}/{comment_id} in the published results")
    return row


def correct(con: duckdb.DuckDBPyConnection, source: str, comment_id: str, by: str,
            sentiment: str | None = None, theme_id: int | None = None) -> None:
    """Set a comment's sentiment and/or move it to another theme of the published run."""
    if not by:
        raise TransitionError("say who makes the correction")
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise TransitionError(f"unknown sentiment {sentiment!r}: use one of {', '.join(SENTIMENTS)}")
    if sentiment is None and theme_id is None:
        raise TransitionError("nothing to correct: give a sentiment or a theme")
    _comment(con, source, comment_id)
    if theme_id is not None:
        workflow.title(con, theme_id)  # NotFoundError for a theme the published run does not have
    with transaction(con):
        _upsert(con, source, comment_id, by, datetime.now(), sentiment, theme_id)


def _upsert(con, source: str, comment_id: str, by: str, now: datetime, sentiment: str | None,
            theme_id: int | None) -> None:
    con.execute("""
        INSERT INTO comment_corrections VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (source, comment_id) DO UPDATE SET
            theme_id = coalesce(excluded.theme_id, comment_corrections.theme_id),
            sentiment = coalesce(excluded.sentiment, comment_corrections.sentiment),
            sentiment_score = coalesce(excluded.sentiment_score, comment_corrections.sentiment_score),
            corrected_by = excluded.corrected_by, corrected_at = excluded.corrected_at""",
                [source, comment_id, theme_id, sentiment, CORRECTED_SCORES.get(sentiment), by, now])

