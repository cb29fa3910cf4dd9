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
- **Changes** are first written to a queue (`voc.web.queue`), a SQLite file next to the store that any process can
  write at any time. A sync applies the queue to the store in order, then rebuilds the snapshot. When the store is
  busy the change waits in the queue, shown as queued, and is applied at the next sync after the
  run lets go: it is never lost and never blocks the run (the app holds the store for the
  length of one sync, well under the 30 s a run's stage waits for it).
- **Sync** runs after every change (waiting at most `CHANGE_WAIT_SECONDS` for the store) and
  every `SYNC_SECONDS` in a background thread; it opens the store only when the store's
  file changed since the last snapshot or changes are queued.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import Iterator

import duckdb

from voc import store
from voc.retention import PER_COMMENT_TABLES
from voc.web.queue import BUSY, EDITS, Change, ChangeQueue

SYNC_SECONDS = 5.0          # how stale the snapshot may get while nobody changes anything
CHANGE_WAIT_SECONDS = 2.0   # a PM's change waits this long for the store before it is shown as queued
KEEP_GENERATIONS = 3        # older snapshot files are deleted (a request still reading one keeps its inode)
# Tables a page never reads: the embedding cache and vectors are most of a store's size.
SKIPPED_TABLES = ("embeddings", "theme_centroids", "group_means")


class Mirror:
    """The snapshot the pages read and the queue the changes go through (`queue`), for one store."""

    def __init__(self, db: Path, folder: Path | None = None):
        self.db = Path(db)
        self.folder = Path(folder) if folder else self.db.parent
        self.queue = ChangeQueue(self.folder / f"{self.db.stem}.web-queue.sqlite")
        self._lock = threading.Lock()
        self._generation = 0
        self._fingerprint: tuple | None = None
        self.last_sync_error: str | None = None

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
            pending = self.queue.changes(pending_only=True, limit=1_000_000)
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
                    self.queue.apply(con, last)
                    self._build_snapshot(con)
            except BUSY as exc:
                self.last_sync_error = str(exc)
                return False
            self._fingerprint = self._store_fingerprint()
            self.last_sync_error = None
            return True

    def _apply_now(self, changes: list[Change], wait_seconds: float) -> None:
        with store.open(self.db, write=True, wait_seconds=wait_seconds) as con:
            self.queue.apply(con, changes)

    def _edit(self, edits: list[Change], wait_seconds: float) -> None:
        """Merges and splits, in order; while the store is busy they stay queued (BUSY is raised)."""
        with store.open(self.db, write=True, wait_seconds=wait_seconds):
            pass  # is the store free? An edit itself would wait the store's full lock timeout
        self.queue.edit(self.db, edits)

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
                where = " WHERE run_id = ?" if table in PER_COMMENT_TABLES else ""  # the published run's
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
