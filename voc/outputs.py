"""Writing a user's --out file or folder: never over the store, never half a file, one clear error.

`write_file` is the one way voc writes a file a user named (exports, the report, a handoff):

- a regular file (new or existing) is written to a temporary file beside it and renamed into
  place, so a reader never sees half a report and a failed write leaves the old file;
- a symbolic link is followed: its target is replaced that way (the temporary file beside the
  target), the link stays a link;
- an existing file that is not a regular file (a FIFO, a character device such as /dev/stdout)
  is written into, never replaced;
- `-` is standard output (a reader that closes it early raises BrokenPipeError: not a bad --out);
- missing folders on the way are created (`missing_folder` tells which, so the command can say so).

A new file gets the usual mode of a new file (0666 less the umask); a replaced file keeps its mode.
A target that is the store itself (or its write-ahead log) or a folder is refused.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Callable

from voc.errors import ConfigError

STDOUT = "-"  # `--out -`: standard output
NEW_FILE_MODE = 0o666  # what open(..., "w") asks for; the process umask takes its share, as for any new file
TEMP_NAME_TRIES = 100  # random temporary names to try before giving up (a clash is already unlikely)


def _is_store(out: Path, db: Path | None) -> bool:
    if db is None:
        return False
    store = Path(db).resolve()
    return out.resolve() in (store, store.with_name(store.name + ".wal"))


def report_path(db: Path) -> Path:
    """Where a run writes its HTML report unless told: `<store stem>.report.html` beside the store (as the web app's
    `<stem>.web-queue.sqlite`), so two stores in one folder never write over each other's report."""
    db = Path(db)
    return db.with_name(f"{db.stem}.report.html")


def missing_folder(out: Path | str) -> Path | None:
    """The outermost folder `write_file` will create for `out` (its parents are made as needed), or None."""
    if str(out) == STDOUT:
        return None
    missing = [p for p in Path(out).parents if not p.exists()]
    return missing[-1] if missing else None


def is_stdout(out: Path | str) -> bool:
    """True for `-` and for a path that is the file standard output goes to (e.g. /dev/stdout)."""
    if str(out) == STDOUT:
        return True
    try:
        return os.path.samestat(os.stat(out), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError):  # no such file, or stdout is not a file (a test runner's buffer)
        return False


def check_folder(out: Path, db: Path | None) -> Path:
    """A folder to write several files into (created when missing)."""
    out = Path(out)
    if str(out) == STDOUT:
        raise ConfigError("--out - is standard output, but this writes several files: pass a folder, "
                          "e.g. --out handoff/payments")
    if _is_store(out, db) or (out.exists() and not out.is_dir()):
        raise ConfigError(f"--out {out} is a file{' (the voc store)' if _is_store(out, db) else ''}; "
                          "pass a folder, e.g. --out handoff/payments")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the folder {out} ({exc.strerror or exc}); pass another --out") from None
    return out


def write_file(out: Path, db: Path | None, write: Callable[[Path], None]) -> Path:
    """Call `write(path)` with a path to write to, then put the result at `out` (see the module's docstring)."""
    out = Path(out)
    if str(out) == STDOUT:
        _write_through(None, out, write)
        return out
    if _is_store(out, db):
        raise ConfigError(f"--out {out} is the voc store itself: pass another file name")
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder: pass a file name, e.g. --out {out / 'themes.csv'}")
    if out.exists() and not out.is_file():  # a FIFO or a device (after following links): write into it
        _write_through(out, out, write)
    else:
        _write_atomically(Path(os.path.realpath(out)), out, write)
    return out


def _cannot(out: Path, exc: OSError) -> ConfigError:
    return ConfigError(f"cannot write {out} ({exc.strerror or exc}); pass another --out")


def _write_through(target: Path | None, out: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file, then copy it into `target` (None: standard output) without replacing it."""
    try:
        with tempfile.TemporaryDirectory(prefix="voc-out-") as folder:
            tmp = Path(folder) / out.name
            write(tmp)
            with tmp.open("rb") as src:
                if target is None:
                    sys.stdout.flush()
                    shutil.copyfileobj(src, sys.stdout.buffer)
                    sys.stdout.buffer.flush()
                else:
                    with open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
    except BrokenPipeError:
        raise  # the reader closed standard output (`--out - | head`): their choice, not a bad --out
    except OSError as exc:
        raise _cannot(out, exc) from None


def _write_atomically(target: Path, out: Path, write: Callable[[Path], None]) -> None:
    """Write beside `target` and rename over it in one step; `out` names it in errors."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_beside(target)
    except OSError as exc:
        raise _cannot(out, exc) from None
    try:
        write(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise _cannot(out, exc) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _temp_beside(target: Path) -> Path:
    """A new empty file next to `target`, with the mode `target` has, or else the mode of any new file."""
    for _ in range(TEMP_NAME_TRIES):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE))
        except FileExistsError:
            continue
        if target.is_file():
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        return tmp
    raise FileExistsError(f"no free temporary name beside {target}")
