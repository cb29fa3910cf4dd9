"""A batch's rows as the store keeps them: comments, quarantined rows and the files imported.

Every free text is redacted before it is stored (a comment and its `channel`, `product`, `team`, `ticket_id`; a
quarantined row's values, column names and reason); an id, a column name or a path is kept on one line, printable.
`voc.pipeline.ingest` validates a batch and writes what these functions make of it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime

import pyarrow as pa

from voc import store
from voc.ingest.columns import printable
from voc.ingest.rows import RawBatch, SourceFile
from voc.ingest.validate import Comment, Rejected
from voc.text.escape import one_line, without_controls
from voc.text.language import detect
from voc.text.redact import redact, redact_text, redact_values
from voc.text.util import text_hash

OPTIONAL_TEXTS = ("channel", "product", "team", "ticket_id")  # a comment's other free texts, redacted like it


def import_fingerprint(batch: RawBatch, file: SourceFile, date_order: str) -> str:
    """How a file of the batch was read (encoding, delimiter, the `--map` pairs of its columns, date order), as
    `imports.read_options` keeps it: a hash, as a mapping names the source's columns. A `--map` for another file's
    column does not change how this one is read."""
    mapping = {k: v for k, v in batch.read_with.get("mapping", {}).items() if k in file.columns}
    said = json.dumps({**batch.read_with, "mapping": mapping, "date_order": date_order}, sort_keys=True)
    return hashlib.sha256(said.encode("utf-8", "surrogateescape")).hexdigest()


def already_imported(con, batch: RawBatch, date_order: str) -> dict[str, int]:
    """File name -> run id, for the batch's files whose exact content this source imported before, read the same way
    (`import_fingerprint`): the same bytes read with another encoding, delimiter, mapping or date order give other
    rows, so they are read again. A file imported before voc kept the read options is read again once."""
    found = {}
    for f in batch.files:
        run = store.scalar(con, "SELECT run_id FROM imports WHERE source = ? AND sha256 = ? AND read_options = ?",
                           [batch.source, f.sha256, import_fingerprint(batch, f, date_order)])
        if run is not None:
            found[f.name] = run
    return found


def record_imports(con, batch: RawBatch, files: list[SourceFile], run_id: int, date_order: str) -> None:
    """Keep the files read with how they were read; a file read again (another way, `--reread`) keeps its last read
    (`imports` is keyed by the bytes)."""
    now = datetime.now()
    rows = [{"source": batch.source, "sha256": f.sha256, "file_name": f.name, "rows": f.rows, "run_id": run_id,
             "imported_at": now, "read_options": import_fingerprint(batch, f, date_order)} for f in files]
    for row in rows:
        con.execute("DELETE FROM imports WHERE source = ? AND sha256 = ?", [batch.source, row["sha256"]])
    if rows:
        store.insert_arrow(con, "imports", pa.Table.from_pylist(rows), or_ignore=True)


def comment_row(c: Comment, source: str, run_id: int, redactions: Counter) -> dict:
    """A valid comment as stored: every free-text field redacted, the language detected when not given."""
    red = redact(c.text)
    redactions.update(red.counts)
    optional = {}
    for name in OPTIONAL_TEXTS:
        field_red = redact(getattr(c, name)) if getattr(c, name) else None
        optional[name] = field_red.text if field_red else None
        redactions.update(field_red.counts if field_red else {})
    return {"source": source, "comment_id": c.comment_id, "text": red.text, "text_hash": text_hash(red.text),
            "created_at": c.created_at, "agent_id": c.agent_id, **optional,
            "language": c.language if c.language in ("de", "en") else detect(red.text),
            "csat": c.csat, "nps": c.nps, "redactions": red.total, "first_run_id": run_id,
            "truncated": c.truncated, "sentiment": c.sentiment}


def stored_line(value: object) -> str:
    """A text a source gave outside a comment (a column name, an id, a path) as the store keeps it: on one line,
    undecodable bytes as \\xNN, no control characters, personal data redacted."""
    return redact_text(one_line(printable(str(value))))


def stored_raw(values: dict[str, str | None]) -> dict[str, str | None]:
    """A rejected row's values as `quarantine.raw` keeps them: the column names (the source's header may hold
    personal data too) and the values redacted alike, undecodable bytes as \\xNN, control characters removed (an ESC
    would reach the terminal of whoever reads the row); a value keeps its line breaks."""
    clean = {stored_line(k): without_controls(printable(v)) if isinstance(v, str) else v
             for k, v in values.items()}
    return redact_values(clean)


def quarantine_row(r: Rejected, source: str, run_id: int, now: datetime) -> dict:
    raw = json.dumps(stored_raw(r.raw), ensure_ascii=False, sort_keys=True)
    return {"run_id": run_id, "source": source, "row_number": r.row_number,
            "comment_id": stored_line(r.comment_id) if r.comment_id is not None else None,
            "reason": stored_line(f"{r.where}: {r.reason}"), "quarantined_at": now,
            "raw": raw, "raw_hash": text_hash(raw)}


def insert_new_quarantine(con, quarantine: list[dict]) -> int:
    """Insert the rejected rows the store does not hold yet (same source, same raw values); returns how many."""
    known = {h for h, in con.execute("SELECT raw_hash FROM quarantine WHERE source = ?",
                                     [quarantine[0]["source"]]).fetchall()} if quarantine else set()
    fresh = [q for q in quarantine if q["raw_hash"] not in known]
    return store.insert_arrow(con, "quarantine", pa.Table.from_pylist(fresh)) if fresh else 0
