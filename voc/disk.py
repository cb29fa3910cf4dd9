"""A disk that refuses a write (read-only, full, over quota, not voc's to write), or a store file it damaged, said
in one line.

The operating system says it with an errno, DuckDB with the same words in its message ("No space left on device").
A permission refused for a file that is not there is its folder's: a store's folder must take DuckDB's .wal and a
run's .lock, which the line says, naming the folder and the user voc runs as.
`on_disk` turns either into a `DiskError` that names the file or store and what to do; the store (`voc.store.open`,
the run lock), the flow's tasks and the CLI's edge (`voc.cli.common.friendly`) use it, so none of them shows a
traceback for a full disk. A store whose file is damaged (cut short, a block overwritten, a `.wal` beside it from
another state of it) is a `DamagedStoreError` that says to restore the last `voc backup`.
"""

from __future__ import annotations

import errno
import os
import pwd
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from voc.errors import DamagedStoreError, DiskError

# What the operating system (errno) or DuckDB (its message, which carries strerror) says when a disk refuses a
# write, and what voc tells the user to do about it.
DISK_REFUSALS = {
    errno.EROFS: ("Read-only file system", "cannot write {path}: read-only file system; put --db on a writable disk"),
    errno.ENOSPC: ("No space left on device", "no space left on the disk of {path}: free space and run again"),
    errno.EDQUOT: ("Disk quota exceeded", "no space left for voc on the disk of {path} (disk quota exceeded): free "
                                          "space or raise the quota and run again"),
    errno.EACCES: ("Permission denied", "cannot open {path}: permission denied; give the user {user} read and write "
                                        "access to it, or pass another path"),
}
# A file that is not there could not be made: its folder refuses new files (a store's .wal, a run's .lock).
CANNOT_CREATE = ("cannot create {path}: the folder {folder} is not writable for the user {user}{why}; give {user} "
                 "write access to the folder, or pass another path")
MADE_BESIDE = {".wal": " (DuckDB writes a .wal beside the store)", ".lock": " (voc writes a .lock beside the store)"}

# What DuckDB says when a store's file is damaged: a block cut off or overwritten, or a .wal left beside it by
# another state of the file (an older copy put back, its newer .wal left behind).
DAMAGE_SIGNS = ("Corrupt database file", "Could not read enough bytes from file", "Failure while replaying WAL")
RESTORE_HINT = "restore the last `voc backup` over it (README: Backups)"
DUCKDB_FILE = re.compile(r'file "([^"]+)"')
DUCKDB_SAID_CHARS = 200  # of DuckDB's own words: enough to name the block, short enough for one line


def disk_error(exc: BaseException, db: Path | None = None) -> DiskError | DamagedStoreError | None:
    """The one-line `DiskError` for an OSError or DuckDB error a refusing disk caused (the path: the OSError's file,
    else the store), the `DamagedStoreError` for a damaged store file, None for anything else."""
    if isinstance(exc, duckdb.Error) and any(sign in str(exc) for sign in DAMAGE_SIGNS):
        return damaged(exc, db)
    if isinstance(exc, OSError) and exc.errno in DISK_REFUSALS:
        path = exc.filename if exc.filename is not None and (db is None or exc.errno != errno.ENOSPC) else db
        return refusal(exc.errno, path)
    if isinstance(exc, duckdb.Error):
        for code, (strerror, _) in DISK_REFUSALS.items():
            if strerror in str(exc):
                return refusal(code, _duckdb_path(str(exc), db) if code == errno.EACCES else db)
    return None


def refusal(code: int, path: str | Path | None) -> DiskError:
    """The `DiskError` for a refusal (an errno of DISK_REFUSALS) of `path` (None: the store); a permission refused
    for a file that is not there is its folder's (it could not be made), said so with the folder and the user."""
    user = _user()
    if code == errno.EACCES and path is not None and not Path(path).exists():
        why = next((said for suffix, said in MADE_BESIDE.items() if str(path).endswith(suffix)), "")
        return DiskError(CANNOT_CREATE.format(path=path, folder=Path(path).parent, user=user, why=why))
    return DiskError(DISK_REFUSALS[code][1].format(path=path if path is not None else "the store", user=user))


def _duckdb_path(said: str, db: Path | None) -> str | Path | None:
    """The file a DuckDB message names (the store or its .wal: as `db` was given), else the store."""
    named = DUCKDB_FILE.search(said)
    if named is None:
        return db
    if db is not None and named.group(1) in (str(Path(db).absolute()), f"{Path(db).absolute()}.wal"):
        return f"{db}{named.group(1).removeprefix(str(Path(db).absolute()))}"
    return named.group(1)


def _user() -> str:
    """The name of the user this process writes as (its effective uid: what the disk checks)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # a uid without a name (a container's --user 1234)
        return f"uid {os.geteuid()}"


def damaged(exc: duckdb.Error, db: Path | None) -> DamagedStoreError:
    """What to do about a damaged store: a stray .wal is moved aside; a damaged file is restored from a backup."""
    said = str(exc).splitlines()[0].removeprefix("IO Error: ")
    named = _duckdb_path(said, db)  # the file DuckDB names (e.g. the store a backup was reading), as --db gave it
    store = str(named).removesuffix(".wal") if named is not None else "the store"
    if "replaying WAL" in said:
        return DamagedStoreError(f"{store} cannot be opened with the {store}.wal beside it: that .wal belongs to "
                                 f"another state of the store (was the store put back from a copy?). Move the .wal "
                                 f"aside to open the store as it is, or {RESTORE_HINT}")
    return DamagedStoreError(f"{store} is damaged (DuckDB: {said[:DUCKDB_SAID_CHARS]}): {RESTORE_HINT}")


@contextmanager
def on_disk(db: Path | None = None) -> Iterator[None]:
    """Raise a disk's refusal to write (read-only, full, not ours) as a `DiskError` in one line; anything else as
    it is."""
    try:
        yield
    except (OSError, duckdb.Error) as exc:
        said = disk_error(exc, db)
        if said is None:
            raise
        raise said from exc
