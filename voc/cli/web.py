"""`voc serve` and `voc user`: the web app and the people who may log in to it."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from voc import store
from voc.agents import loop
from voc.cli.common import DbOption, app, console, friendly
from voc.errors import ConfigError
from voc.web import users

user_app = typer.Typer(help="People who may log in to the web app (voc serve).", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
@friendly
def user_add(name: str = typer.Argument(..., help="Login name."),
             role: str = typer.Option(..., help="pm, agent or admin."),
             agent_id: Optional[str] = typer.Option(None, "--agent-id", help="For agents: their agent_id in the "
                                                                             "source."),
             db: Path = DbOption,
             replace: bool = typer.Option(False, help="Reset an existing user's role, password and agent id."),
             password_env: str = typer.Option("VOC_PASSWORD", help="Read the password from this environment variable "
                                                                   "instead of asking (for scripts).")):
    """Create a user of the web app; asks for the password (or reads it from $VOC_PASSWORD).

    Example: voc user add anna --role pm      (or: voc user add a07 --role agent --agent-id A07)

    With --replace the user's sessions end (a new password, role or agent id holds from the next request).
    """
    with store.open(db) as con:  # refused before the password is typed; the store is not held while it is
        users.check(con, name, role, agent_id, replace)
    password = os.environ.get(password_env) or _ask_password(password_env)
    with store.open(db, write=True) as con:
        user = users.add(con, name, role, password, agent_id, replace)
        unknown = user.agent_id is not None and not loop.has_comments(con, user.agent_id)
        hint = ("nothing is published yet: run `voc run --source ...` first" if store.published_run(con) is None
                else loop.known_agents_hint(con, user.agent_id)) if unknown else ""
    console.print(f"user {user.name} ({user.role}" + (f", agent {user.agent_id}" if user.agent_id else "") + ") saved",
                  highlight=False, markup=False)
    if unknown:  # a new agent may have filed nothing yet; a typo would leave them an empty page
        console.print(f"note: no published comment carries agent id {user.agent_id} yet; {hint}",
                      highlight=False, markup=False)


def _ask_password(password_env: str) -> str:
    if not sys.stdin.isatty():  # getpass would read the password from the pipe, after a warning
        raise ConfigError(f"no password to read: set {password_env} or run it at a terminal")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise ConfigError("the two passwords differ: run the command again")
    return first


@user_app.command("list")
@friendly
def user_list(db: Path = DbOption):
    """List the users of the web app.

    Example: voc user list
    """
    with store.open(db) as con:
        for u in users.listing(con):
            console.print(f"{u.name}\t{u.role}\t{u.agent_id or ''}", highlight=False, markup=False)


@user_app.command("remove")
@friendly
def user_remove(name: str = typer.Argument(..., help="Login name."), db: Path = DbOption):
    """Remove a user of the web app: they cannot log in, and their sessions end at the app's next sync (seconds).

    To change a user's role or agent id: voc user add NAME --replace (that ends their sessions too).

    Example: voc user remove anna
    """
    with store.open(db, write=True) as con:
        users.remove(con, name)
    console.print(f"user {name} removed", highlight=False, markup=False)


@app.command()
@friendly
def serve(db: Path = DbOption, host: str = typer.Option("127.0.0.1", help="Address to listen on."),
          port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
          https_only: bool = typer.Option(False, help="Send the session cookie over HTTPS only (behind TLS).")):
    """Start the web app for product managers and agents (log in with a user from `voc user add`).

    Example: voc serve --port 8000      (then open http://127.0.0.1:8000)
    """
    import uvicorn

    from voc.web.app import create_app

    with store.open(db):  # a clear error now for a missing or foreign store, not at the first page
        pass
    console.print(f"voc serves {db} on http://{host}:{port} (Ctrl+C stops it)", highlight=False, markup=False)
    uvicorn.run(create_app(db, https_only=https_only), host=host, port=port, log_level="warning")
