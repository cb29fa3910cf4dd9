"""Known comments that arrive again with another text: quarantined, the stored version kept.

A comment is keyed by (source, comment_id); the store keeps the version first imported. A row that brings a known
id with the same text is "already known" (an export read twice, a file of a night repeating yesterday's rows); one
whose text differs (an agent's addition, an id re-used for another comment) is quarantined with a reason that names
the id and the run that imported it, not the text, so nobody loses the change without being told. Texts are compared
as stored, redacted (`comments.text_hash`): the raw text is never kept. A stored text whose hash differs is redacted
again with today's rules before it counts as changed: a comment stored by an older voc, whose rules missed a name
this one redacts, is the same comment when it arrives again in tomorrow's overlapping export.
"""

from __future__ import annotations

import pyarrow as pa

from voc.ingest.ids import without_personal_ids
from voc.ingest.rows import RawBatch, RawRow
from voc.ingest.validate import Comment, Rejected
from voc.text.redact import redact
from voc.text.util import text_hash

CHANGED_SQL = """
    SELECT a.comment_id, c.first_run_id, c.text, a.text_hash FROM _voc_arrived a
    JOIN comments c ON c.source = ? AND c.comment_id = a.comment_id AND c.text_hash <> a.text_hash"""


def changed_texts(con, source: str, rows: list[dict]) -> dict[str, int]:
    """comment_id -> the run that imported it, for the comment rows (as `voc.ingest.stored.comment_row` makes them)
    whose id the store has under `source` with another text."""
    if not rows:
        return {}
    arrived = pa.table({"comment_id": [r["comment_id"] for r in rows], "text_hash": [r["text_hash"] for r in rows]})
    con.register("_voc_arrived", arrived)
    try:
        found = con.execute(CHANGED_SQL, [source]).fetchall()
    finally:
        con.unregister("_voc_arrived")
    return {comment_id: run for comment_id, run, stored, arrived in found
            if text_hash(redact(stored).text) != arrived}  # stored under older rules: redacted as today, the same?


def valid_rows(batch: RawBatch, rejected: list[Rejected]) -> list[RawRow]:
    """The batch's rows `voc.ingest.validate.validate` made comments of, in its order (each row is one or the other)."""
    out = {(r.file, r.row_number) for r in rejected}
    return [r for r in batch.rows if (r.file, r.row_number) not in out]


def set_aside_changed(batch: RawBatch, comments: list[Comment], rejected: list[Rejected], rows: list[dict],
                      changed: dict[str, int]) -> tuple[list[dict], list[Rejected]]:
    """The comment rows to store (those not `changed`) and one rejected row for each changed one."""
    if not changed:
        return rows, []
    kept, set_aside = [], []
    for raw, comment, row in zip(valid_rows(batch, rejected), comments, rows, strict=True):
        run = changed.get(comment.comment_id)
        if run is None:
            kept.append(row)
            continue
        reason = (f"comment_id {comment.comment_id!r} was imported in run {run} with another text; the stored "
                  "version is kept")
        set_aside.append(Rejected(raw.row_number, raw.file, comment.comment_id, reason,
                                  without_personal_ids(raw.values), raw.where))
    return kept, set_aside
