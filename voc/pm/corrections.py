"""A product manager's corrections of single comments: their sentiment, or the theme they belong to.

A sentiment correction is the same one `voc sentiment set` makes (`voc.sentiment.labels`,
table `sentiment_corrections`): shown at once and learned from by the next run. A move to
another theme is kept in `comment_corrections`. Both are keyed by the comment, so they
outlive runs; the `current_assignments` view applies them, so every page, export and agent
view shows the corrected value. Theme sizes and ranks catch up at the next run.
Merging and splitting whole themes is `voc.pm.theme_edit` (the theme hierarchy work).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from voc.errors import ConfigError, NotFoundError, TransitionError
from voc.pm import workflow
from voc.sentiment.labels import set_correction
from voc.store import first_row, transaction

SENTIMENTS = ("negative", "neutral", "positive")


def _comment(con: duckdb.DuckDBPyConnection, source: str, comment_id: str) -> tuple:
    row = first_row(con, "SELECT theme_id, sentiment FROM current_assignments WHERE source = ? AND comment_id = ?",
                    [source, comment_id])
    if row is None:
        raise NotFoundError(f"no comment {source}/{comment_id} in the published results")
    return row


def check_sentiment(sentiment: str | None) -> None:
    """ConfigError (a bad value) for a sentiment that is not one of SENTIMENTS; None (no correction) is fine."""
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise ConfigError(f"sentiment {sentiment!r} is not a sentiment: use one of {', '.join(SENTIMENTS)}")


def correct(con: duckdb.DuckDBPyConnection, source: str, comment_id: str, by: str,
            sentiment: str | None = None, theme_id: int | None = None) -> None:
    """Set a comment's sentiment and/or move it to another theme of the published run."""
    by = workflow.changed_by(by, "say who makes the correction")
    check_sentiment(sentiment)
    if sentiment is None and theme_id is None:
        raise TransitionError("nothing to correct: give a sentiment or a theme")
    _comment(con, source, comment_id)
    if theme_id is not None:
        workflow.title(con, theme_id)  # NotFoundError for a theme the published run does not have
    with transaction(con):
        if sentiment is not None:
            set_correction(con, comment_id, sentiment, by, source)
        if theme_id is not None:
            con.execute("INSERT OR REPLACE INTO comment_corrections VALUES (?, ?, ?, ?, ?)",
                        [source, comment_id, theme_id, by, datetime.now()])

