"""The queue the web app's changes go through: a SQLite file next to the store that any process can write at any time.

A change (a status, a note, a rename, a comment's correction, an agent's "seen", a merge or split) is written here
first, its free texts redacted, and shown as queued until it is applied. `voc.web.mirror.Mirror.sync` applies the
queue to the store in order, each change through the library (`voc.pm.workflow.update`, ...): the plain changes on
the store's connection (`ChangeQueue.apply`), a merge or a split as a run of its own (`voc.pm.theme_edit`, under the
run lock) with that connection closed (`ChangeQueue.edit`). A change the library refuses is kept with why; one that
finds the store busy stays queued and is tried again at the next sync. The file also holds the sessions ended by
logging out, so a logout is never held up by a nightly run.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from voc.agents import loop
from voc.errors import RunInProgressError, StoreLockedError, VocError, clean_message
from voc.pm import corrections, theme_edit, workflow

log = logging.getLogger(__name__)
QUEUE_TIMEOUT_SECONDS = 10  # how long a write waits for another process's write to the queue's file

# What a PM types into a form: without control characters and redacted before it is queued, and again when shown
# (queues written by an older voc); the library cleans it once more when the change is applied.
FREE_TEXT = ("note", "owner", "reason", "ticket_key", "ticket_url", "name")

QUEUE_SQL = """CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, payload TEXT NOT NULL, by TEXT NOT NULL,
    created_at TEXT NOT NULL, applied_at TEXT, error TEXT)"""
# Sessions ended by logging out (`voc.web.auth.logout`), kept until they would have expired.
LOGGED_OUT_SQL = "CREATE TABLE IF NOT EXISTS logged_out (sid TEXT PRIMARY KEY, until REAL NOT NULL)"


def _shown(payload: dict) -> dict:
    """A queued change's values as a page shows them: every text redacted (a queue written by an older voc kept a
    typed comment id or source as typed)."""
    return {k: clean_message(v) if isinstance(v, str) else v for k, v in payload.items()}


def _change(row: tuple) -> "Change":
    """A queue row; its error redacted as shown (older queues stored a refused change's error as the library
    said it)."""
    error = clean_message(row[6]) if row[6] else row[6]
    return Change(row[0], row[1], json.loads(row[2]), *row[3:6], error)


def _redacted(payload: dict) -> dict:
    """A change's values as the queue keeps them: its free texts redacted, without control characters."""
    return {k: clean_message(v) if k in FREE_TEXT and isinstance(v, str) else v for k, v in payload.items()}


def _apply_update(con, by: str, p: dict) -> None:
    """A status form's change; refused when the theme changed since the form's `version` (a queue written by an
    older voc has none: not checked)."""
    workflow.update(con, int(p["theme_id"]), by, status=p.get("status"), note=p.get("note"), seen=p.get("version"),
                    **{k: v for k, v in p.items() if k not in ("theme_id", "status", "note", "version")})


def _apply_rename(con, by: str, p: dict) -> None:
    theme_edit.rename_in(con, int(p["theme_id"]), p["name"], by)


def _apply_correct(con, by: str, p: dict) -> None:
    corrections.correct(con, p["source"], p["comment_id"], by, sentiment=p.get("sentiment"),
                        theme_id=p.get("theme_id"))


def _apply_seen(con, by: str, p: dict) -> None:
    loop.mark_seen_up_to(con, p["agent_id"], int(p["event_id"]), datetime.fromisoformat(p["at"]))


VISIT = "seen"  # an agent's visit to their page, queued to record it: no decision of anyone's
APPLIERS: dict[str, Callable] = {"update": _apply_update, "rename": _apply_rename, "correct": _apply_correct,
                                 VISIT: _apply_seen}


def _edit_merge(db: Path, by: str, p: dict) -> None:
    theme_edit.merge(db, int(p["into"]), int(p["theme_id"]), by)


def _edit_split(db: Path, by: str, p: dict) -> None:
    theme_edit.split(db, int(p["theme_id"]), int(p["subtheme_id"]), by)


# Changes that publish a run of their own: applied with the store closed, each under the run lock.
EDITS: dict[str, Callable] = {"merge": _edit_merge, "split": _edit_split}
BUSY = (StoreLockedError, RunInProgressError)  # the change stays queued and is tried again at the next sync


@dataclass
class Change:
    id: int
    kind: str
    payload: dict
    by: str
    created_at: str
    applied_at: str | None
    error: str | None

    @property
    def what(self) -> str:
        """The change in words, as the runs and theme pages show it: "theme 3: status planned, note Fix ships"."""
        p = _shown(self.payload)
        p.pop("version", None)  # the theme's version the form was loaded with: not the PM's words
        head = f"theme {p.pop('theme_id')}" if "theme_id" in p else ""
        if self.kind == "update" and p.get("status"):
            p["status"] = workflow.status_word(p["status"])
        said = ", ".join(f"{k.replace('_', ' ')} {'removed' if v == '' else v}" for k, v in p.items()
                         if v is not None)
        return ": ".join(filter(None, [head, said]))


class ChangeQueue:
    """The queued changes of one store and its ended sessions, in the SQLite file `path`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with self._connect() as q:
            q.execute(QUEUE_SQL)
            q.execute(LOGGED_OUT_SQL)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=QUEUE_TIMEOUT_SECONDS)
        try:
            with con:
                yield con
        finally:
            con.close()

    def submit(self, kind: str, payload: dict, by: str) -> int:
        if kind not in APPLIERS and kind not in EDITS:
            raise ValueError(f"unknown change kind {kind!r}")
        with self._connect() as q:
            cur = q.execute("INSERT INTO changes (kind, payload, by, created_at) VALUES (?, ?, ?, ?)",
                            [kind, json.dumps(_redacted(payload)), by, datetime.now().isoformat(timespec="seconds")])
            return int(cur.lastrowid)

    def changes(self, pending_only: bool = False, limit: int = 50, decisions_only: bool = False) -> list[Change]:
        """The newest changes first; `decisions_only`: what PMs decided, without agents' visits ("seen")."""
        where = ["applied_at IS NULL"] if pending_only else []
        where += ["kind <> ?"] if decisions_only else []
        sql = f"SELECT * FROM changes {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY id DESC LIMIT ?"
        with self._connect() as q:
            rows = q.execute(sql, [VISIT] * decisions_only + [limit]).fetchall()
        return [_change(r) for r in rows]

    def change(self, change_id: int) -> Change:
        with self._connect() as q:
            r = q.execute("SELECT * FROM changes WHERE id = ?", [change_id]).fetchone()
        return _change(r)

    def apply(self, con: duckdb.DuckDBPyConnection, pending: list[Change]) -> None:
        """Apply plain changes (not merges or splits) on the store's open connection, in order."""
        for change in pending:
            error = None
            try:
                APPLIERS[change.kind](con, change.by, change.payload)
            except VocError as exc:  # refused by the library (e.g. a transition no longer allowed): kept with why
                error = str(exc)
            self._done(change, error)

    def edit(self, db: Path, edits: list[Change]) -> None:
        """Merges and splits, in order, each a run of its own on the store `db`; while the store is busy they stay
        queued (BUSY is raised)."""
        for change in edits:
            error = None
            try:
                EDITS[change.kind](db, change.by, change.payload)
            except BUSY:
                raise
            except VocError as exc:
                error = str(exc)
            except Exception as exc:  # a bug, not the PM's input: said in the queue and the log, not retried forever
                log.exception("change %s (%s) failed", change.id, change.kind)
                error = f"failed ({type(exc).__name__}); the app's log has the details"
            self._done(change, error)

    def _done(self, change: Change, error: str | None) -> None:
        with self._connect() as q:
            q.execute("UPDATE changes SET applied_at = ?, error = ? WHERE id = ?",
                      [datetime.now().isoformat(timespec="seconds"), error, change.id])  # a VocError is clean

    # ---- ended sessions ----
    def log_out(self, sid: str, seconds: float) -> None:
        """Refuse session `sid` from now on, for `seconds` (its lifetime); forget sessions that expired meanwhile."""
        now = time.time()
        with self._connect() as q:
            q.execute("DELETE FROM logged_out WHERE until < ?", [now])
            q.execute("INSERT OR REPLACE INTO logged_out VALUES (?, ?)", [sid, now + seconds])

    def logged_out(self, sid: str) -> bool:
        with self._connect() as q:
            return q.execute("SELECT 1 FROM logged_out WHERE sid = ?", [sid]).fetchone() is not None
