"""The quarantine as it is read: each quarantined row open, or resolved by a later run that stored its comment.

A row stays in `quarantine` for the record. It is resolved when a run after the one that quarantined it stored a
comment with its (source, comment_id): the file was fixed and exported again, or a mapping added. Derived from the
comments' `first_run_id`, so every store reads it the same way, whatever voc wrote it. A row quarantined for
repeating an id that its own run stored stays open: the comment stored is the other row.
"""

from __future__ import annotations

# Every quarantined row, with `resolved_run_id`: the run that stored its comment, NULL while open.
QUARANTINE_SQL = """
    SELECT q.run_id, q.source, q.row_number, q.comment_id, q.reason, q.quarantined_at, q.raw,
           c.first_run_id AS resolved_run_id
    FROM quarantine q LEFT JOIN comments c
      ON c.source = q.source AND c.comment_id = q.comment_id AND c.first_run_id > q.run_id"""

# How many rows earlier runs quarantined whose comment run ? stored: resolved by it (parameters: run id twice).
RESOLVED_BY_RUN_SQL = f"SELECT count(*) FROM ({QUARANTINE_SQL}) WHERE resolved_run_id = ? AND run_id < ?"
