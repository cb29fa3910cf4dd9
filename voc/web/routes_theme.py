"""A theme's page and the changes a product manager makes there: status, rename, merge, split, corrections.

A change goes into the queue and is applied at once when the store is free (see `voc.web.mirror`);
while a nightly run holds the store it is shown as queued and applied when the run lets go. A
status change is checked against the workflow first, so a refused transition is said at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from voc.errors import ThemeNotFoundError, TransitionError
from voc.pm import workflow
from voc.pm.corrections import SENTIMENTS
from voc.ranking.trends import SEGMENT_DIMENSIONS
from voc.web import auth, charts, queries
from voc.web.app import flash, mirror_of, render
from voc.web.mirror import CHANGE_WAIT_SECONDS, Change
from voc.web.users import User

router = APIRouter()


@router.get("/themes/{theme_id}")
def theme_page(request: Request, theme_id: int, page: int = 1, grain: str = "week", user: User = Depends(auth.pm)):
    f = queries.Filters.from_query(request.query_params)
    grain = grain if grain in queries.GRAINS else "week"
    mirror = mirror_of(request)
    with mirror.read() as con:
        theme = queries.theme(con, theme_id)
        if theme is None:
            raise ThemeNotFoundError(theme_id)
        comments, total = queries.comments(con, theme_id, f, page)
        series = queries.series(con, theme_id, grain)
        segments = queries.segments(con, theme_id)
        context = {"theme": theme, "comments": comments, "total": total, "subs": queries.sub_themes(con, theme_id),
                   "lineage": queries.lineage(con, theme_id), "history": workflow.history(con, theme_id),
                   "choices": queries.theme_choices(con), "facets": queries.facets(con)}
    pending = [c for c in mirror.changes(pending_only=True) if c.payload.get("theme_id") == theme_id]
    return render(request, "theme.html", **context, f=f, page=page, grain=grain, pending=pending,
                  pages=max(1, -(-total // queries.PAGE_SIZE)), statuses=workflow.STATUSES,
                  next_statuses=workflow.TRANSITIONS[theme["status"]], sentiments=SENTIMENTS,
                  series_chart=charts.theme_series(series),
                  segment_charts={d: charts.segment_mix(segments[d], d) for d in SEGMENT_DIMENSIONS if segments[d]},
                  segments=segments)


def _check_theme(request: Request, theme_id: int) -> None:
    """404 now for a theme the published run does not have, rather than a queued change refused later."""
    with mirror_of(request).read() as con:
        workflow.title(con, theme_id)


def _submit(request: Request, kind: str, payload: dict, user: User, what: str) -> Change:
    """Queue a change, try to apply it now, and say what happened."""
    mirror = mirror_of(request)
    change_id = mirror.submit(kind, payload, user.name)
    mirror.sync(wait_seconds=CHANGE_WAIT_SECONDS)
    change = mirror.change(change_id)
    if change.applied_at is None:
        flash(request, "info", f"{what}: queued. A nightly run is writing the store; the change is applied as "
                               "soon as it finishes.")
    elif change.error:
        flash(request, "error", f"{what} was refused: {change.error}")
    else:
        flash(request, "ok", f"{what}: saved.")
    return change


@router.post("/themes/{theme_id}/status", dependencies=[Depends(auth.check_csrf)])
def change_status(request: Request, theme_id: int, status: str = Form(...), owner: str = Form(""),
                  note: str = Form(""), reason: str = Form(""), ticket_key: str = Form(""),
                  ticket_url: str = Form(""), user: User = Depends(auth.pm)):
    with mirror_of(request).read() as con:
        workflow.title(con, theme_id)  # 404 for a theme the published run does not have
        before = workflow.current(con, theme_id)
    workflow.check_transition(before.status, status, reason.strip() or before.reason)  # refused at once: 409
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
    _submit(request, "rename", {"theme_id": theme_id, "name": name.strip()}, user, f"Theme {theme_id} renamed")
    return RedirectResponse(f"/themes/{theme_id}", status_code=303)


@router.post("/themes/{theme_id}/merge", dependencies=[Depends(auth.check_csrf)])
def merge(request: Request, theme_id: int, into: int = Form(...), user: User = Depends(auth.pm)):
    """This theme joins theme `into`: its comments, sub-themes, status and notes (`voc theme merge`)."""
    for theme in (theme_id, into):
        _check_theme(request, theme)
    if into == theme_id:
        raise TransitionError(f"theme {theme_id} cannot be merged with itself: choose another theme")
    change = _submit(request, "merge", {"theme_id": theme_id, "into": into}, user,
                     f"Theme {theme_id} merged into theme {into}")
    gone = change.applied_at is not None and not change.error
    return RedirectResponse(f"/themes/{into if gone else theme_id}", status_code=303)


@router.post("/themes/{theme_id}/split", dependencies=[Depends(auth.check_csrf)])
def split(request: Request, theme_id: int, subtheme_id: int = Form(...), user: User = Depends(auth.pm)):
    """Sub-theme `subtheme_id` becomes a theme of its own (`voc theme split`)."""
    _check_theme(request, theme_id)
    _submit(request, "split", {"theme_id": theme_id, "subtheme_id": subtheme_id}, user,
            f"Sub-theme {subtheme_id} split out of theme {theme_id} as a theme of its own")
    return RedirectResponse(f"/themes/{theme_id}", status_code=303)


@router.post("/comments/correct", dependencies=[Depends(auth.check_csrf)])
def correct(request: Request, source: str = Form(...), comment_id: str = Form(...), back: int = Form(...),
            sentiment: str = Form(""), theme_id: str = Form(""), user: User = Depends(auth.pm)):
    payload = {"source": source, "comment_id": comment_id, "sentiment": sentiment or None,
               "theme_id": int(theme_id) if theme_id.strip().lstrip("-").isdigit() else None}
    _submit(request, "correct", payload, user, f"Comment {comment_id} corrected")
    return RedirectResponse(f"/themes/{back}", status_code=303)
