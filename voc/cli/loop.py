"""`voc status`, `voc handoff`, `voc agent`, `voc notify`: the handoff to product teams and the loop back to agents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from voc import store
from voc.agents import loop, notify as notify_lib, wording
from voc.cli.common import DbOption, app, console, friendly, limit_option, print_json
from voc.errors import ConfigError, DeliveryError
from voc.pm import handoff as handoff_lib, report, workflow


@app.command()
@friendly
def status(theme_id: int = typer.Argument(..., help="Theme id (see `voc themes`)."), db: Path = DbOption,
           set_: Optional[str] = typer.Option(None, "--set", help="New status: " + ", ".join(workflow.STATUSES)),
           owner: Optional[str] = typer.Option(None, help="Owner team (\"\" removes it)."),
           note: Optional[str] = typer.Option(None, help="Note for the agents who reported this theme, at most "
                                              f"{workflow.MAX_NOTE_CHARS} characters (\"\" removes it)."),
           reason: Optional[str] = typer.Option(None, help="Why it is declined (required for declined; at most "
                                                f"{workflow.MAX_NOTE_CHARS} characters)."),
           name: Optional[str] = typer.Option(None, help="A name for the theme, shown instead of the generated title."),
           ticket: Optional[str] = typer.Option(None, help="External ticket key, e.g. PAY-123 (\"\" removes it)."),
           url: Optional[str] = typer.Option(None, help="Link to the ticket (\"\" removes it)."),
           by: Optional[str] = typer.Option(None, help="Who makes the change (required when changing)."),
           as_json: bool = typer.Option(False, "--json", help="Print JSON.")):
    """Show a theme's status and history, or change it (any option besides --db/--json changes it).

    An empty value removes that field: --owner "", --note "", --ticket "", --url "".

    Example: voc status 12 --set planned --owner payments --note "Fix ships in 5.3" --by anna
    """
    changes = {"owner": owner, "reason": reason, "name": name, "ticket_key": ticket, "ticket_url": url}
    changing = set_ is not None or note is not None or any(v is not None for v in changes.values())
    with store.open(db, write=changing) as con:
        if changing:
            event_id, queued = workflow.update(con, theme_id, by or "", status=set_, note=note, **changes)
            console.print(f"theme {theme_id} updated (event {event_id}); {queued} agent notification(s) queued, "
                          "send them with `voc notify`")
        title = workflow.title(con, theme_id)
        current, history = workflow.current(con, theme_id), workflow.history(con, theme_id)
    if as_json:
        print_json(json.dumps({"theme_id": theme_id, "title": title, **current.__dict__, "history": history},
                              default=str))
        return
    console.print(f"#{theme_id} {title}: {current.status}" + (f", owner {current.owner}" if current.owner else "")
                  + (f", ticket {current.ticket_key} {current.ticket_url or ''}" if current.ticket_key else ""),
                  highlight=False)
    if current.note:
        console.print(f"note: {current.note}", highlight=False)
    if current.reason:
        console.print(f"reason: {current.reason}", highlight=False)
    for h in history:
        move = f"{h['from_status']} → {h['to_status']}" if h["from_status"] != h["to_status"] else h["to_status"]
        console.print(f"  {str(h['changed_at'])[:16]}  {h['changed_by']:<10} {h['kind']:<7} {move}"
                      + "".join(f"  {h[k]}" for k in ("note", "changes") if h[k]), highlight=False, soft_wrap=True)


@app.command()
@friendly
def handoff(out: Path = typer.Option(..., help="Folder to write the package into."), db: Path = DbOption,
            team: Optional[str] = typer.Option(None, help="Only themes of this team (owner, else most comments).")):
    """Write ranked themes for a product team: Parquet, CSV, a Markdown summary and a Jira import CSV.

    Example: voc handoff --team payments --out handoff/payments
    """
    with store.open(db) as con:
        report.overview(con, limit=1)  # nothing published yet: say so, not "no themes for team None"
        files = handoff_lib.write_handoff(con, out, team, db)
    console.print(files.wrote(), highlight=False, markup=False, soft_wrap=True)


@app.command()
@friendly
def agent(agent_id: str = typer.Argument(..., help="The agent id, as in the source's agent_id column."),
          db: Path = DbOption, format_: str = typer.Option("table", "--format", help="table or json"),
          peek: bool = typer.Option(False, help="Do not mark the changes as seen."),
          language: Optional[str] = typer.Option(None, help="en or de (default: the language most of the agent's "
                                                             "comments are in)."),
          limit: int = limit_option(50, "comments in the table (newest first; --format json gives all)")):
    """What became of each comment an agent filed: theme, status, the PM's note, and what changed since last time.

    Example: voc agent A07 --limit 20
    """
    if format_ not in ("table", "json"):
        raise ConfigError(f"unknown format {format_!r}: choose table or json")
    language = wording.checked_language(language)  # before the store is opened: a typo is not "store busy"
    with store.open(db, write=not peek) as con:
        report.overview(con, limit=1)  # nothing published yet: say so, not "the agent_id column is empty"
        view = loop.agent_view(con, agent_id, mark_seen=not peek, language=language)
    if format_ == "json":
        print_json(json.dumps(view.__dict__, default=str))
        return
    words = wording.PAGE_WORDS[view.language]
    console.print(f"{agent_id}: {view.summary['headline']}", highlight=False, markup=False)
    for c in view.changes:
        named = words["quotes"].format(c["theme"])  # the language's quotation marks, as on the page and in the digest
        console.print(f"  {words['since_look']}: {words['theme']} #{c['theme_id']} {named} {c['what']}"
                      + (f": {c['note']}" if c["note"] else ""), highlight=False, soft_wrap=True)
    table = Table()
    for col in words["columns"]:
        table.add_column(col, overflow="fold")
    for c in view.comments[:limit]:
        status = wording.status_word(c["status"], view.language) if c["status"] else "-"
        theme = words["unclustered"] if c["theme_id"] < 0 else c["theme"]
        table.add_row(str(c["created_at"])[:10], c["text"], theme,
                      status + (" *" if c["changed_since_last_look"] else ""), c["note"] or "")
    console.print(table)
    if len(view.comments) > limit:
        console.print(words["more"].format(limit=limit, total=len(view.comments)), highlight=False)


@app.command()
@friendly
def notify(db: Path = DbOption,
           webhook: Optional[str] = typer.Option(None, help="POST JSON digests here (env VOC_WEBHOOK_URL)."),
           smtp: Optional[str] = typer.Option(None, help="HOST:PORT of an SMTP server (env VOC_SMTP_HOST/PORT)."),
           email: Optional[str] = typer.Option(None, help="Agent address template, e.g. '{agent_id}@corp.example' "
                                                          "(env VOC_AGENT_EMAIL)."),
           sender: Optional[str] = typer.Option(None, help="From address for e-mails (env VOC_SMTP_FROM, default "
                                                           "voc@localhost)."),
           attempts: int = typer.Option(3, min=1, help="Tries per digest before it waits for the next run."),
           timeout: Optional[float] = typer.Option(None, help="Seconds to wait for each answer (env "
                                                              "VOC_NOTIFY_TIMEOUT, default 10).")):
    """Send queued notifications: one digest per agent, by webhook and/or e-mail, at least once.

    Example: voc notify --webhook https://chat.example/hooks/voc --smtp mail.example:25 --email '{agent_id}@cc.example'
    """
    host, port = (smtp.rsplit(":", 1) + ["25"])[:2] if smtp else (None, None)
    if port is not None and not port.isdigit():
        raise ConfigError(f"--smtp {smtp!r} is not HOST:PORT, e.g. --smtp mail.example:25")
    channels = notify_lib.Channels.from_env(webhook_url=webhook, smtp_host=host, address=email, sender=sender,
                                            smtp_port=int(port) if port else None, attempts=attempts,
                                            timeout_seconds=timeout)
    result = notify_lib.send_pending(db, channels)
    for line in notify_lib.delivery_lines(result):
        console.print(line, highlight=False, soft_wrap=True)
    if not any(r["digests_sent"] for r in result.values()) and any(r["digests_failed"] for r in result.values()):
        raise DeliveryError("no digest could be delivered; check the endpoint and run `voc notify` again "
                            "(nothing is lost: every notification stays queued)")
