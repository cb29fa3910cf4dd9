"""What the runs page reads: every run with what it read, quarantined and redacted, and the open quarantined rows."""

from __future__ import annotations

import json

from voc.ingest.quarantine import QUARANTINE_SQL
from voc.store import dicts as rows
from voc.store import first_row


def runs(con, limit: int = 50) -> list[dict]:
    found = rows(con, """SELECT run_id, started_at, finished_at, mode, status, source, stats, error,
                                date_diff('second', started_at, finished_at) AS seconds
                         FROM runs ORDER BY run_id DESC LIMIT ?""", [limit])
    for r in found:
        stats = json.loads(r["stats"]) if r["stats"] else {}
        ingest = stats.get("ingest", {})
        r["read"], r["quarantined"] = ingest.get("rows_read"), ingest.get("quarantined")
        r["redacted"] = sum((ingest.get("redactions") or {}).values()) if ingest else None
        r["themes"], r["new_themes"] = stats.get("themes"), len(stats.get("emerging") or [])
    return found


def quarantine(con, limit: int = 200) -> tuple[list[dict], int, int]:
    """The open quarantined rows, newest run first (at most `limit`), how many are open, and how many a later run
    resolved by storing their comment (`voc quarantine --resolved` lists those)."""
    open_rows, resolved = first_row(con, f"SELECT count(*) FILTER (WHERE resolved_run_id IS NULL), "
                                         f"count(resolved_run_id) FROM ({QUARANTINE_SQL})")
    return rows(con, f"SELECT run_id, source, row_number, comment_id, reason, quarantined_at FROM ({QUARANTINE_SQL}) "
                     "WHERE resolved_run_id IS NULL ORDER BY run_id DESC, source, row_number LIMIT ?",
                [limit]), open_rows, resolved
