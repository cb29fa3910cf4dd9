"""How the web app lives beside the nightly run: pages read a snapshot, changes go through a queue.

DuckDB lets one process write a file, and while a process holds it read-write no other
process can even open it read-only. A nightly run holds the store for minutes (embedding),
so the app never reads the store itself while serving a page:

- **Reads** come from a snapshot: a small DuckDB file next to the store with the published
  results (every table except the embedding cache, the centroids and earlier runs'
  assignments), its `current_*` views materialised as tables so a page does not redo their
  joins. Each request opens it read-only for the length of the request. A sync
  rebuilds it under a new generation name and switches over atomically, so a page never
  sees half a snapshot and the app keeps serving the last published results while the
  store is busy.
- **Changes** (a status, a note, a rename, a comment's correction, an agent's "seen", a merge or split) are
  first written to a queue, a SQLite file next to the store that any process can write at
  any time. A sync applies the queue to the store in order, each change through the
  library (`voc.pm.workflow.update`, ...), then rebuilds the snapshot. A merge or a split publishes a run of its
  own (`voc.pm.theme_edit`, under the run lock), so it runs with the app's connection closed. When the store is busy
  the change waits in the queue, shown as queued, and is applied at the next sync after the
  run lets go: it is never lost and never blocks the run (the app holds the store for the
  length of one sync, well under the 30 s a run's stage waits for it).
- **Sync** runs after every change (waiting at most `CHANGE_WAIT_SECONDS` for the store) and
  every `SYNC_SECONDS` in a background thread; it opens the store only when the store's
  file changed since the last snapshot or changes are queued.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from contextlib import contextmanager
from itertools import groupby
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from voc import store
from voc.agents import loop
from voc.errors import RunInProgressError, StoreLockedError, VocError, clean_message
from voc.pm import corrections, theme_edit, workflow

log = logging.getLogger(__name__)
SYNC_SECONDS = 5.0          # how stale the snapshot may get while nobody changes anything
CHANGE_WAIT_SECONDS = 2.0   # a PM's change waits this long for the store before it is shown as queued
KEEP_GENERATIONS = 3        # older snapshot files are deleted (a request still reading one keeps its inode)
# Tables a page never reads: the embedding cache and vectors are most of a store's size.
SKIPPED_TABLES = ("embeddings", "theme_centroids", "group_means")
# Tables with one set of rows per run, of which only the published run is copied.
PER_RUN_TABLES = ("assignments", "comment_map")

# What a PM types into a form: without control characters and redacted before it is queued, and again when shown
# (queues written by an older voc); the library cleans it once more when the change is applied.
FREE_TEXT = ("note", "owner", "reason", "ticket_key", "ticket_url", "name")

QUEUE_SQL = """CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, payload TEXT NOT NULL, by TEXT NOT NULL,
    created_at TEXT NOT NULL, applied_at TEXT, error TEXT)"""
# Sessions ended by logging out (`voc.web.auth.logout`), kept until they would have expired; any process may write
# the queue's file at any time, so a logout is never held up by a nightly run.
LOGGED_OUT_SQL = "CREATE TABLE IF NOT EXISTS logged_out (sid TEXT PRIMARY KEY, until REAL NOT NULL)"


def _shown(payload: dict) -> dict:
    """A queued change's values as a page shows them: every text redacted (a queue written by an older voc kept a
    typed comment id or source as typed)."""
    return {k: clean_message(v) if isinstance(v, str) else v for k, v in payload.items()}


def _change(row: tuple) -> "Change":
    """A queue row; its error redacted as shown (older queues stored a refused change's error as the library said it)."""
    error = clean_message(row[6]) if row[6] else row[6]
    return Change(row[0], row[1], json.loads(row[2]), *row[3:6], error)


def _redacted(payload: dict) -> dict:
    """A change's values as the queue keeps them: its free texts redacted, without control characters."""
    return {k: clean_message(v) if k in FREE_TEXT and isinstance(v, str) else v for k, v in payload.items()}


def _apply_update(con, by: str, p: dict) -> None:
    workflow.update(con, int(p["theme_id"]), by, status=p.get("status"), note=p.get("note"),
                    **{k: v for k, v in p.items() if k not in ("theme_id", "status", "note")})


def _apply_rename(con, by: str, p: dict) -> None:
    theme_edit.rename_in(con, int(p["theme_id"]), p["name"], by)


def _apply_correct(con, by: str, p: dict) -> None:
    corrections.correct(con, p["source"], p["comment_id"], by, sentiment=p.get("sentiment"),
                        theme_id=p.get("theme_id"))


def _apply_seen(con, by: str, p: dict) -> None:
    loop.mark_seen_up_to(con, p["agent_id"], int(p["event_id"]), datetime.fromisoformat(p["at"]))


APPLIERS: dict[str, Callable] = {"update": _apply_update, "rename": _apply_rename, "correct": _apply_correct,
                                 "seen": _apply_seen}


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
        head = f"theme {p.pop('theme_id')}" if "theme_id" in p else ""
        said = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in p.items() if v not in (None, ""))
        return ": ".join(filter(None, [head, said]))


class Mirror:
    """The snapshot the pages read and the queue the changes go through, for one store."""

    def __init__(self, db: Path, folder: Path | None = None):
        self.db = Path(db)
        self.folder = Path(folder) if folder else self.db.parent
        self.queue_path = self.folder / f"{self.db.stem}.web-queue.sqlite"
        self._lock = threading.Lock()
        self._generation = 0
        self._fingerprint: tuple | None = None
        self.last_sync_error: str | None = None
        with self._queue() as q:
            q.execute(QUEUE_SQL)
            q.execute(LOGGED_OUT_SQL)

    # ---- the queue ----
    @contextmanager
    def _queue(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.queue_path, timeout=10)
        try:
            with con:
                yield con
        finally:
            con.close()

    def submit(self, kind: str, payload: dict, by: str) -> int:
        if kind not in APPLIERS and kind not in EDITS:
            raise ValueError(f"unknown change kind {kind!r}")
        with self._queue() as q:
            cur = q.execute("INSERT INTO changes (kind, payload, by, created_at) VALUES (?, ?, ?, ?)",
                            [kind, json.dumps(_redacted(payload)), by, datetime.now().isoformat(timespec="seconds")])
            return int(cur.lastrowid)

    def changes(self, pending_only: bool = False, limit: int = 50) -> list[Change]:
        where = "WHERE applied_at IS NULL" if pending_only else ""
        with self._queue() as q:
            rows = q.execute(f"SELECT * FROM changes {where} ORDER BY id DESC LIMIT ?", [limit]).fetchall()
        return [_change(r) for r in rows]

    def change(self, change_id: int) -> Change:
        with self._queue() as q:
            r = q.execute("SELECT * FROM changes WHERE id = ?", [change_id]).fetchone()
        return _change(r)

    # ---- ended sessions ----
    def log_out(self, sid: str, seconds: float) -> None:
        """Refuse session `sid` from now on, for `seconds` (its lifetime); forget sessions that expired meanwhile."""
        now = time.time()
        with self._queue() as q:
            q.execute("DELETE FROM logged_out WHERE until < ?", [now])
            q.execute("INSERT OR REPLACE INTO logged_out VALUES (?, ?)", [sid, now + seconds])

    def logged_out(self, sid: str) -> bool:
        with self._queue() as q:
            return q.execute("SELECT 1 FROM logged_out WHERE sid = ?", [sid]).fetchone() is not None

    # ---- the snapshot ----
    def snapshot_path(self, generation: int | None = None) -> Path:
        g = self._generation if generation is None else generation
        return self.folder / f"{self.db.stem}.web-snapshot-{g}.duckdb"

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the current snapshot, for one request."""
        if self._generation == 0:
            self.sync(wait_seconds=store.LOCK_WAIT_SECONDS)
        with store.open(self.snapshot_path(), wait_seconds=CHANGE_WAIT_SECONDS) as con:
            yield con

    def _store_fingerprint(self) -> tuple:
        parts = []
        for path in (self.db, self.db.with_name(self.db.name + ".wal")):
            st = path.stat() if path.exists() else None
            parts.append((st.st_mtime_ns, st.st_size) if st else None)
        return tuple(parts)

    def sync(self, wait_seconds: float = 0.0) -> bool:
        """Apply queued changes and refresh the snapshot if the store is free; False when it is busy."""
        with self._lock:
            pending = self.changes(pending_only=True, limit=1_000_000)
            if not pending and self._generation and self._fingerprint == self._store_fingerprint():
                return True
            batches = [(edit, list(b)) for edit, b in groupby(sorted(pending, key=lambda c: c.id),
                                                              key=lambda c: c.kind in EDITS)]
            *before, (last_is_edit, last) = batches or [(False, [])]
            try:
                for is_edit, batch in before:
                    if is_edit:
                        self._edit(batch, wait_seconds)
                    else:
                        self._apply_now(batch, wait_seconds)
                if last_is_edit:
                    self._edit(last, wait_seconds)
                    last = []
                # the last plain changes and the snapshot in one go: a page never shows "saved" beside the old state
                with store.open(self.db, write=bool(last), wait_seconds=wait_seconds) as con:
                    self._apply(con, last)
                    self._build_snapshot(con)
            except BUSY as exc:
                self.last_sync_error = str(exc)
                return False
            self._fingerprint = self._store_fingerprint()
            self.last_sync_error = None
            return True

    def _apply(self, con: duckdb.DuckDBPyConnection, pending: list[Change]) -> None:
        for change in pending:
            error = None
            try:
                APPLIERS[change.kind](con, change.by, change.payload)
            except VocError as exc:  # refused by the library (e.g. a transition no longer allowed): kept with why
                error = str(exc)
            self._done(change, error)

    def _apply_now(self, changes: list[Change], wait_seconds: float) -> None:
        with store.open(self.db, write=True, wait_seconds=wait_seconds) as con:
            self._apply(con, changes)

    def _edit(self, edits: list[Change], wait_seconds: float) -> None:
        """Merges and splits, in order; while the store is busy they stay queued (BUSY is raised)."""
        with store.open(self.db, write=True, wait_seconds=wait_seconds):
            pass  # is the store free? An edit itself would wait the store's full lock timeout
        for change in edits:
            error = None
            try:
                EDITS[change.kind](self.db, change.by, change.payload)
            except BUSY:
                raise
            except VocError as exc:
                error = str(exc)
            except Exception as exc:  # a bug, not the PM's input: said in the queue and the log, not retried forever
                log.exception("change %s (%s) failed", change.id, change.kind)
                error = f"failed ({type(exc).__name__}); the app's log has the details"
            self._done(change, error)

    def _done(self, change: Change, error: str | None) -> None:
        with self._queue() as q:
            q.execute("UPDATE changes SET applied_at = ?, error = ? WHERE id = ?",
                      [datetime.now().isoformat(timespec="seconds"), error, change.id])  # a VocError is clean

    def _build_snapshot(self, con: duckdb.DuckDBPyConnection) -> None:
        generation = self._generation + 1
        target = self.snapshot_path(generation)
        target.unlink(missing_ok=True)
        source = store.quote_ident(store.scalar(con, "SELECT current_database()"))
        run_id = store.published_run(con)
        con.execute("ATTACH ? AS voc_snapshot (READ_WRITE)", [str(target)])
        try:
            con.execute(f"COPY FROM DATABASE {source} TO voc_snapshot (SCHEMA)")
            tables = [r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
                "AND table_type = 'BASE TABLE'").fetchall()]
            for table in tables:
                if table in SKIPPED_TABLES:
                    continue
                name = store.quote_ident(table)
                where = " WHERE run_id = ?" if table in PER_RUN_TABLES else ""
                con.execute(f"INSERT INTO voc_snapshot.{name} SELECT * FROM {source}.{name}{where}",
                            [run_id] if where else [])
            views = [r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
                "AND table_type = 'VIEW'").fetchall()]
            for view in views:  # materialised: pages read the joined rows without joining them per request
                name = store.quote_ident(view)
                con.execute(f"DROP VIEW voc_snapshot.{name}")
                con.execute(f"CREATE TABLE voc_snapshot.{name} AS SELECT * FROM {source}.{name}")
        finally:
            con.execute("DETACH voc_snapshot")
        self._generation = generation
        old = self.snapshot_path(generation - KEEP_GENERATIONS)
        old.unlink(missing_ok=True)

    def close(self) -> None:
        """Delete the snapshot files (the queue stays: it may hold changes not yet applied)."""
        for g in range(max(1, self._generation - KEEP_GENERATIONS), self._generation + 1):
            self.snapshot_path(g).unlink(missing_ok=True)
