"""What every `voc` sub-command shares: the app, the consoles, the --db option, error handling."""

from __future__ import annotations

import functools

import typer
from rich.console import Console

from voc.config import DEFAULT_DB
from voc.errors import VocError

app = typer.Typer(help="voc: turn agent-captured customer comments into ranked themes.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console()
err = Console(stderr=True)

DbOption = typer.Option(DEFAULT_DB, "--db", help="The voc DuckDB file.", envvar="VOC_DB")


def friendly(fn):
    """Turn voc's named errors into one clear line and the error's exit code."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except VocError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
    return wrapper
