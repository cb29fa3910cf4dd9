"""A theme's page and the changes a product manager makes there: status, rename, merge, split, corrections.

A change goes into the queue and is applied at once when the store is free (see `voc.web.mirror`);
while a nightly run holds the store it is shown as queued and applied when the run lets go. A
status change is checked against the workflow first, so a refused transition is said at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from voc.errors import ConfigError, NotFoundError, ThemeNotFoundError, TransitionError
from voc.pm import corrections, workflow
from voc.pm.corrections import SENTIMENTS
from voc.ranking.trends import SEGMENT_DIMENSIONS
from voc.text.escape import one_line
from voc.web import auth, charts, queries, queries_theme
from voc.web.pages import flash, mirror_of, render
from voc.web.mirror import CHANGE_WAIT_SECONDS
from voc.web.queue import Change
from voc.web.users import User

router = APIRouter()
MAX_PAGE_DIGITS = 9  # ?page= beyond a billion is the last page anyway (and its OFFSET would not fit a number)


@router.get("/themes/{theme_id}")
def theme_page(request: Request, theme_id: int, page: str = "1", grain: str = "week", user: User = Depends(auth.pm)):
    f = queries.Filters.from_query(request.query_params)
    grain = grain if grain in queries.GRAINS else "week"
    mirror = mirror_of(request)
    with mirror.read() as con:
        theme = queries_theme.theme(con, theme_id)
        if theme is None:
            return _merged_away(request, con, theme_id)
        comments, total, page, pages = _comment_page(con, theme_id, f, page)
        series = queries_theme.series(con, theme_id, grain)
        segments = queries_theme.segments(con, theme_id)
        context = {"theme": theme, "comments": comments, "total": total, "subs": queries.sub_themes(con, theme_id),
                   "lineage": queries_theme.lineage(con, theme_id), "history": workflow.history(con, theme_id),
                   "choices": queries_theme.theme_choices(con), "facets": queries.facets(con)}
    pending = [c for c in mirror.queue.changes(pending_only=True) if c.payload.get("theme_id") == theme_id]
    return render(request, "theme.html", **context, f=f, page=page, grain=grain, pending=pending,
                  pages=pages, statuses=workflow.STATUSES,
                  next_statuses=workflow.TRANSITIONS[theme["status"]], sentiments=SENTIMENTS,
                  series_chart=charts.theme_series(series),
                  segment_charts={d: charts.segment_mix(segments[d], d) for d in SEGMENT_DIMENSIONS if segments[d]},
                  segments=segments)


def page_number(asked: str) -> int:
    """`?page=` as a page number of 1 or more: 0, -3 or "x" is the first page; a number too long to be a page is
    10 ** MAX_PAGE_DIGITS, past any last page."""
    text = asked.strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return max(1, int(text) if len(text) <= MAX_PAGE_DIGITS else 10 ** MAX_PAGE_DIGITS)


def _comment_page(con, theme_id: int, f: queries.Filters, asked: str) -> tuple[list[dict], int, int, int]:
    """(comments, how many in all, page number, pages) for `?page=`, within 1 .. the last page (999 is the last)."""
    page = page_number(asked)
    comments, total = queries_theme.comments(con, theme_id, f, page)
    pages = max(1, -(-total // queries_theme.PAGE_SIZE))
    if page > pages:
        page = pages
        comments, total = queries_theme.comments(con, theme_id, f, page)
    return comments, total, page, pages


def _merged_away(request: Request, con, theme_id: int) -> RedirectResponse:
    """An old link to a theme that was merged: to the theme it is part of now (through every later merge), saying
    so; ThemeNotFoundError (404) for an id no merge took in."""
    chain = queries_theme.merged_into(con, theme_id)
    if not chain:
        raise ThemeNotFoundError(theme_id)
    steps = [f"#{a} into #{b}" for a, b in zip(chain, chain[1:])]
    flash(request, "info", f"theme #{theme_id} was merged into #{chain[0]}" + "".join(f", then {s}" for s in steps))
    return RedirectResponse(f"/themes/{chain[-1]}", status_code=303)  # not 308: a merged theme may come back


def _check_theme(request: Request, theme_id: int) -> None:
    """404 now for a theme the published run does not have, rather than a queued change refused later."""
    with mirror_of(request).read() as con:
        workflow.title(con, theme_id)


def _submit(request: Request, kind: str, payload: dict, user: User, what: str) -> Change:
    """Queue a change, try to apply it now, and say what happened."""
    mirror = mirror_of(request)
    change_id = mirror.queue.submit(kind, payload, user.name)
    mirror.sync(wait_seconds=CHANGE_WAIT_SECONDS)
    change = mirror.queue.change(change_id)
    if change.applied_at is None:
        flash(request, "info", f"{what}: queued. A nightly run is writing the store; the change is applied as "
                               "soon as it finishes.")
    elif change.error:
        flash(request, "error", f"{what} was refused: {change.error}")
    else:
        flash(request, "ok", f"{what}: saved.")
    return change


@router.post("/themes/{theme_id}/status", dependencies=[Depends(auth.check_csrf)])
def change_status(request: Request, theme_id: int, status: str = Form(""), owner: str = Form(""),
                  note: str = Form(""), reason: str = Form(""), ticket_key: str = Form(""),
                  ticket_url: str = Form(""), user: User = Depends(auth.pm)):
    with mirror_of(request).read() as con:
        workflow.title(con, theme_id)  # 404 for a theme the published run does not have
        before = workflow.current(con, theme_id)
    workflow.check_transition(before.status, status, reason.strip() or before.reason)  # refused at once: 400 / 409
    workflow.check_ticket_link(one_line(ticket_url))  # 400 at once, not a change refused later
    payload = {"theme_id": theme_id, "status": status}
    for key, value in (("note", note), ("owner", owner), ("reason", reason), ("ticket_key", ticket_key),
                       ("ticket_url", ticket_url)):
        if value.strip() and value.strip() != (getattr(before, key) or ""):
            payload[key] = value.strip()
    _submit(request, "update", payload, user, f"Theme {theme_id} → {status}")
    return RedirectResponse(f"/themes/{theme_id}", status_code=303)


@router.post("/themes/{theme_id}/rename", dependencies=[Depends(auth.check_csrf)])
def rename(request: Request, theme_id: int, name: str = Form(...), user: User = Depends(auth.pm)):
    _check_theme(request, theme_id)
    _submit(request, "rename", {"theme_id": theme_id, "name": name.strip()}, user, f"Rename of theme {theme_id}")
    return RedirectResponse(f"/themes/{theme_id}", status_code=303)


def _chosen_theme(into: str) -> int:
    """The theme picked in "Same problem as": ConfigError (400) when none was picked, rather than a default one."""
    if not into.strip().lstrip("-").isdigit():
        raise ConfigError("choose the theme this one is the same problem as (the \"Same problem as\" list): "
                          "nothing was merged")
    return int(into)


def _confirm(request: Request, back: int, heading: str, lines: list[str], action: str, fields: dict,
             understand: str, button: str):
    """The page that asks before a merge or a split: nothing is changed until its box is ticked and it is sent."""
    return render(request, "confirm.html", back=back, heading=heading, lines=lines, action=action, fields=fields,
                  understand=understand, button=button)


@router.post("/themes/{theme_id}/merge", dependencies=[Depends(auth.check_csrf)])
def merge(request: Request, theme_id: int, into: str = Form(""), confirm: str = Form(""),
          user: User = Depends(auth.pm)):
    """This theme joins theme `into`: its comments, sub-themes, status and notes (`voc theme merge`), once the
    confirmation page's box is ticked."""
    target = _chosen_theme(into)
    if target == theme_id:
        raise TransitionError(f"theme {theme_id} cannot be merged with itself: choose another theme")
    with mirror_of(request).read() as con:
        themes = [queries_theme.theme(con, t) for t in (theme_id, target)]
    for t, found in zip((theme_id, target), themes):
        if found is None:
            raise ThemeNotFoundError(t)
    if confirm != "yes":
        this, other = themes
        return _confirm(request, theme_id, f"Merge theme #{theme_id} into #{target}?", [
            f"#{theme_id} “{this['display_title']}” ({this['size']} comments) joins "
            f"#{target} “{other['display_title']}” ({other['size']} comments).",
            f"Its comments, sub-themes, status, notes and ticket move to #{target}; #{theme_id} is no longer a theme "
            "of its own, and later runs keep the two together."],
            f"/themes/{theme_id}/merge", {"into": target}, f"I understand this merges #{theme_id} into #{target}",
            f"Merge #{theme_id} into #{target}")
    change = _submit(request, "merge", {"theme_id": theme_id, "into": target}, user,
                     f"Theme {theme_id} merged into theme {target}")
    gone = change.applied_at is not None and not change.error
    return RedirectResponse(f"/themes/{target if gone else theme_id}", status_code=303)


@router.post("/themes/{theme_id}/split", dependencies=[Depends(auth.check_csrf)])
def split(request: Request, theme_id: int, subtheme_id: int = Form(...), confirm: str = Form(""),
          user: User = Depends(auth.pm)):
    """Sub-theme `subtheme_id` becomes a theme of its own (`voc theme split`), once confirmed."""
    with mirror_of(request).read() as con:
        theme = queries_theme.theme(con, theme_id)
        subs = {s["subtheme_id"]: s for s in queries.sub_themes(con, theme_id)} if theme else {}
    if theme is None:
        raise ThemeNotFoundError(theme_id)
    if subtheme_id not in subs:
        raise NotFoundError(f"theme {theme_id} has no sub-theme {subtheme_id}: reload the theme's page")
    if confirm != "yes":
        sub = subs[subtheme_id]
        return _confirm(request, theme_id, f"Split sub-theme {subtheme_id} out of theme #{theme_id}?", [
            f"“{sub['title']}” ({sub['size']} comments) leaves #{theme_id} “{theme['display_title']}” and "
            "becomes a theme of its own, with a new id; later runs keep it apart.",
            f"It starts as new: #{theme_id}'s status, reason, note, owner and ticket stay with #{theme_id} (its "
            "history names them)."],
            f"/themes/{theme_id}/split", {"subtheme_id": subtheme_id},
            f"I understand this splits sub-theme {subtheme_id} out of #{theme_id}", "Split it out")
    _submit(request, "split", {"theme_id": theme_id, "subtheme_id": subtheme_id}, user,
            f"Sub-theme {subtheme_id} split out of theme {theme_id} as a theme of its own")
    return RedirectResponse(f"/themes/{theme_id}", status_code=303)


@router.post("/comments/correct", dependencies=[Depends(auth.check_csrf)])
def correct(request: Request, source: str = Form(...), comment_id: str = Form(...), back: int = Form(...),
            sentiment: str = Form(""), theme_id: str = Form(""), user: User = Depends(auth.pm)):
    corrections.check_sentiment(sentiment or None)  # a bad value is refused at once (400), not queued
    if theme_id.strip() and not theme_id.strip().lstrip("-").isdigit():
        raise ConfigError(f"theme_id {theme_id!r} is not a theme id: choose a theme in the \"move to\" list")
    with mirror_of(request).read() as con:  # a comment the results do not have is said at once (404), not queued:
        corrections.find_comment(con, source, comment_id)  # the queue and the runs page never hold a typed value
    payload = {"source": source, "comment_id": comment_id, "sentiment": sentiment or None,
               "theme_id": int(theme_id) if theme_id.strip() else None}
    _submit(request, "correct", payload, user, f"Comment {comment_id} corrected")
    return RedirectResponse(f"/themes/{back}", status_code=303)
