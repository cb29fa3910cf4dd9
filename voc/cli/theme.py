"""`voc theme show|merge|split|rename`: a product manager shapes the themes; later runs keep the decisions."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from voc import store
from voc.cli.common import DbOption, app, console, friendly, print_json
from voc.pm import workflow

theme_app = typer.Typer(help="Look into one theme and merge, split or rename themes.", no_args_is_help=True)
app.add_typer(theme_app, name="theme")

ByOption = typer.Option(..., "--by", help="Who makes the change.")  # Typer marks it [required]; missing: exit 2


@theme_app.command("show")
@friendly
def show(theme_id: int = typer.Argument(..., help="Theme id (see `voc themes`)."), db: Path = DbOption,
         as_json: bool = typer.Option(False, "--json", help="Print JSON.")):
    """Show a theme with its sub-themes (ids, titles, sizes, keywords).

    Example: voc theme show 3
    """
    with store.open(db) as con:
        title = workflow.title(con, theme_id)
        subs = con.sql("SELECT subtheme_id, title, size, keywords FROM current_subthemes WHERE theme_id = ? "
                       "ORDER BY size DESC, subtheme_id", params=[theme_id]).fetchall()
    if as_json:
        print_json(json.dumps({"theme_id": theme_id, "title": title, "subthemes": [
            {"subtheme_id": s, "title": t, "size": n, "keywords": list(k)} for s, t, n, k in subs]}))
        return
    table = Table(title=f"#{theme_id} {title}: sub-themes")
    for col in ("sub-theme", "title", "size", "keywords"):
        table.add_column(col, overflow="fold")
    for sub_id, sub_title, size, keywords in subs:
        table.add_row(str(sub_id), sub_title, str(size), ", ".join(keywords))
    console.print(table)


def _theme_edit():
    """`voc.pm.theme_edit`, imported by the commands that edit themes: it brings the pipeline (sklearn, ~2 s to
    import), which the other commands and `voc --help` should not wait for."""
    from voc.pm import theme_edit

    return theme_edit


def _done(summary: dict) -> None:
    console.print(f"published run {summary['run_id']}: {summary['themes']} themes", highlight=False)


@theme_app.command("merge")
@friendly
def merge(into: int = typer.Argument(..., help="The theme that stays."),
          other: int = typer.Argument(..., help="The theme that joins it."), db: Path = DbOption, by: str = ByOption):
    """Merge theme OTHER into theme INTO; its status, notes and ticket carry over; later runs keep them merged.

    Example: voc theme merge 4 17 --by anna
    """
    _done(_theme_edit().merge(db, into, other, by))
    console.print(f"theme {other} merged into theme {into}")


@theme_app.command("split")
@friendly
def split(theme_id: int = typer.Argument(..., help="The theme to split."), db: Path = DbOption,
          sub: int = typer.Option(..., "--sub", help="The sub-theme to move out (see `voc theme show`)."),
          by: str = ByOption):
    """Move a sub-theme out of a theme as a theme of its own; later runs keep it apart.

    Example: voc theme split 4 --sub 31 --by anna
    """
    summary = _theme_edit().split(db, theme_id, sub, by)
    _done(summary)
    with store.open(db) as con:
        new_id = store.scalar(con, "SELECT theme_id FROM current_subthemes WHERE subtheme_id = ?", [sub])
        console.print(f"sub-theme {sub} is now theme {new_id}: {workflow.title(con, new_id)}")


@theme_app.command("rename")
@friendly
def rename(theme_id: int = typer.Argument(..., help="Theme id."),
           title: str = typer.Argument(..., help=f"New name (at most {workflow.MAX_NAME_CHARS} characters)."),
           db: Path = DbOption, by: str = ByOption):
    """Give a theme the name everyone sees (unique among themes; kept across runs).

    Example: voc theme rename 4 "Refunds take weeks" --by anna
    """
    old, new = _theme_edit().rename(db, theme_id, title, by)
    console.print(f"theme {theme_id}: {old} → {new}", highlight=False)
