"""`voc backup`: a consistent copy of the store, for the operator (README: Backups)."""

from __future__ import annotations

from pathlib import Path

import typer

from voc import backup as backup_lib
from voc.cli.common import DbOption, app, console, friendly

MB = 1024 * 1024


@app.command()
@friendly
def backup(out: Path = typer.Option(..., "--out", help="The backup file to write (replaced if it exists)."),
           db: Path = DbOption):
    """Copy the store to a backup file, consistent while pages and PM commands go on.

    A run that is writing makes it wait. Put it back by copying it over the store while no run or web app uses it.

    Example: voc backup --out backups/voc-2026-11-24.duckdb
    """
    done = backup_lib.backup(db, out)
    console.print(f"backed up {db} to {done} ({done.stat().st_size / MB:.1f} MB); to put it back: stop runs and the "
                  f"web app, copy it over {db}, and move any {db}.wal aside", highlight=False)
