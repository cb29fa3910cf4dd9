"""Writing a user's --out file or folder: never over the store, never half a file, one clear error.

`write_file` writes to a temporary file beside the target and renames it into place,
so a reader never sees half a report and a failed write leaves the old file. It
refuses a target that is the store itself (or its write-ahead log) or a folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from voc.errors import ConfigError


def _is_store(out: Path, db: Path | None) -> bool:
    if db is None:
        return False
    store = Path(db).resolve()
    return out.resolve() in (store, store.with_name(store.name + ".wal"))


def check_folder(out: Path, db: Path | None) -> Path:
    """A folder to write several files into (created when missing)."""
    out = Path(out)
    if _is_store(out, db) or (out.exists() and not out.is_dir()):
        raise ConfigError(f"--out {out} is a file{' (the voc store)' if _is_store(out, db) else ''}; "
                          "pass a folder, e.g. --out handoff/payments")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the folder {out} ({exc.strerror or exc}); pass another --out") from None
    return out


def write_file(out: Path, db: Path | None, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)`, then move the result to `out` in one step."""
    out = Path(out)
    if _is_store(out, db):
        raise ConfigError(f"--out {out} is the voc store itself: pass another file name")
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder: pass a file name, e.g. --out {out / 'themes.csv'}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        os.close(fd)
    except OSError as exc:
        raise ConfigError(f"cannot write {out} ({exc.strerror or exc}); pass another --out") from None
    try:
        write(Path(tmp))
        os.replace(tmp, out)
    except OSError as exc:
        raise ConfigError(f"cannot write {out} ({exc.strerror or exc}); pass another --out") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
