"""A theme's page and the changes a product manager makes there: status, rename, merge, split, corrections.

A change goes into the queue and is applied at once when the store is free (see `voc.web.mirror`);
while a nightly run holds the store it is shown as queued and applied when the run lets go. A
status change is checked against the workflow first, so a refused transition is said at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from voc.errors import ConfigError, NotFoundError, StaleChangeError, ThemeNotFoundError, TransitionError
from voc.pm import corrections, workflow
from voc.pm.corrections import SENTIMENTS
from voc.ranking.trends import SEGMENT_DIMENSIONS
from voc.web import auth, charts, queries, queries_theme
from voc.web.pages import flash, mirror_of, render
from voc.web.mirror import CHANGE_WAIT_SECONDS
from voc.web.queue import Change
from voc.web.users import User

router = APIRouter()
MAX_PAGE_DIGITS = 9  # ?page= beyond a billion is the last page anyway (and its OFFSET would not fit a number)


@router.get("/themes/{theme_id}")
def theme_page(request: Request, theme_id: int, page: str = "1", grain: str = "week", user: User = Depends(auth.pm)):
    with mirror_of(request).read() as con:
        if queries_theme.theme(con, theme_id) is None:
            return _merged_away(request, con, theme_id)
    return _page(request, theme_id, queries.Filters.from_query(request.query_params), page, grain)


def _page(request: Request, theme_id: int, f: queries.Filters, page: str = "1", grain: str = "week",
          status_code: int = 200, form: dict | None = None, form_error: str | None = None):
    """The theme's page; after a refused status change, with `form_error` beside the status form and the form
    filled with what was typed (`form`), carrying the theme's version now (sending it again saves it)."""
    grain = grain if grain in queries.GRAINS else "week"
    mirror = mirror_of(request)
    with mirror.read() as con:
        theme = queries_theme.theme(con, theme_id)
        if theme is None:
            raise ThemeNotFoundError(theme_id)
        comments, total, page, pages = _comment_page(con, theme_id, f, page)
        series = queries_theme.series(con, theme_id, grain)
        segments = queries_theme.segments(con, theme_id)
        context = {"theme": theme, "comments": comments, "total": total, "subs": queries.sub_themes(con, theme_id),
                   "lineage": queries_theme.lineage(con, theme_id), "history": workflow.history(con, theme_id),
                   "choices": queries_theme.theme_choices(con), "facets": queries.facets(con),
                   "version": workflow.version(con, theme_id)}
    pending = [c for c in mirror.queue.changes(pending_only=True) if c.payload.get("theme_id") == theme_id]
    return render(request, "theme.html", status_code, **context, f=f, page=page, grain=grain, pending=pending,
                  pages=pages, next_statuses=workflow.TRANSITIONS[theme["status"]], sentiments=SENTIMENTS,
                  series_chart=charts.theme_series(series), form=form, form_error=form_error,
                  max_note=workflow.MAX_NOTE_CHARS,
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


def _submit(request: Request, kind: str, payload: dict, user: User, what: str, say_refusal: bool = True) -> Change:
    """Queue a change, try to apply it now, and say what happened (a refusal too, unless the caller shows it)."""
    mirror = mirror_of(request)
    change_id = mirror.queue.submit(kind, payload, user.name)
    mirror.sync(wait_seconds=CHANGE_WAIT_SECONDS)
    change = mirror.queue.change(change_id)
    if change.applied_at is None:
        flash(request, "info", f"{what}: queued. A nightly run is writing the store; the change is applied as "
                               "soon as it finishes.")
    elif change.error:
        if say_refusal:
            flash(request, "error", f"{what} was refused: {change.error}")
    else:
        flash(request, "ok", f"{what}: saved.")
    return change


FORM_FIELDS = ("note", "owner", "reason", "ticket_key", "ticket_url")  # the status form's fields besides the status


@router.post("/themes/{theme_id}/status", dependencies=[Depends(auth.check_csrf)])
def change_status(request: Request, theme_id: int, status: str = Form(""), owner: str = Form(""),
                  note: str = Form(""), reason: str = Form(""), ticket_key: str = Form(""),
                  ticket_url: str = Form(""), version: str = Form(""), user: User = Depends(auth.pm)):
    """Save the status form: every field that differs from the theme's value now is sent (an emptied one removes
    the value). Refused (a stale page, a move the workflow does not allow, a missing reason, a note too long, the
    theme merged meanwhile): the theme's page again, the message beside the form and what was typed kept."""
    typed = {"status": status, "owner": owner, "note": note, "reason": reason, "ticket_key": ticket_key,
             "ticket_url": ticket_url}
    try:
        payload, what = _status_change(request, theme_id, typed, version)
        change = _submit(request, "update", payload, user, what, say_refusal=False)
        if change.error:
            raise TransitionError(change.error)
    except ThemeNotFoundError:
        return _refused_merged(request, theme_id, typed)
    except (ConfigError, TransitionError) as exc:
        again = (" Check their values: saving your form again replaces them." if isinstance(exc, StaleChangeError)
                 else "")
        try:
            return _page(request, theme_id, queries.Filters(), status_code=400 if isinstance(exc, ConfigError)
                         else 409, form=typed, form_error=f"Not saved: {exc}.{again} What you typed is kept below.")
        except ThemeNotFoundError:  # merged while the change waited in the queue
            return _refused_merged(request, theme_id, typed)
    return RedirectResponse(f"/themes/{theme_id}", status_code=303)


def _status_change(request: Request, theme_id: int, typed: dict, version: str) -> tuple[dict, str]:
    """The change the form asks for, checked against the theme as the app shows it now (said at once, not queued):
    (the queue's payload, the change in words for the flash)."""
    seen = int(version) if version.strip().isdigit() else None  # a form without it (an older page) is not checked
    with mirror_of(request).read() as con:
        workflow.title(con, theme_id)  # ThemeNotFoundError for a theme the published run does not have (merged?)
        if seen is not None:
            workflow.check_fresh(con, theme_id, seen)
        before = workflow.current(con, theme_id)
    values = {key: workflow.cleaned(key, typed[key]) for key in FORM_FIELDS}  # ConfigError: a note too long
    status = workflow.status_key(typed["status"])  # none: ConfigError, the status is missing (a broken form)
    workflow.check_transition(before.status, status, values["reason"])
    workflow.check_ticket_link(values["ticket_url"])
    changed = [key for key in FORM_FIELDS if values[key] != getattr(before, key)]
    payload = {"theme_id": theme_id, "status": status, "version": seen,
               **{key: typed[key].strip() for key in changed}}
    if status != before.status:
        return payload, f"Theme {theme_id} → {workflow.status_word(status)}"
    words = [FIELD_WORDS.get(key, key.replace("_", " ")) for key in changed]
    return payload, f"Theme {theme_id}" + (f" ({', '.join(words)})" if words else "")


FIELD_WORDS = {"ticket_key": "ticket", "ticket_url": "ticket link"}


def _refused_merged(request: Request, theme_id: int, typed: dict):
    """A status change for a theme merged into another since the page was loaded: the surviving theme's page, saying
    who merged it, with what was typed in its form (to save there if it still applies); 404 for an id no merge took
    in."""
    with mirror_of(request).read() as con:
        chain = queries_theme.merged_into(con, theme_id)
        if not chain:
            raise ThemeNotFoundError(theme_id)
        merged = workflow.merged_by(con, theme_id, chain[0])
    steps = "".join(f", then #{a} into #{b}" for a, b in zip(chain, chain[1:]))
    return _page(request, chain[-1], queries.Filters(), status_code=409, form=typed, form_error=(
        f"Not saved: {merged}{steps}, after you opened #{theme_id}; your change to #{theme_id} was not saved. What "
        f"you typed is kept below: save it here on #{chain[-1]} if it still applies."))


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
        return _confirm(request, theme_id, f"Split “{sub['title']}” out of theme #{theme_id}?", [
            f"“{sub['title']}” ({sub['size']} comments) leaves #{theme_id} “{theme['display_title']}” and "
            "becomes a theme of its own, with a new id; later runs keep it apart.",
            f"It starts as new: #{theme_id}'s status, reason, note, owner and ticket stay with #{theme_id} (its "
            "history names them)."],
            f"/themes/{theme_id}/split", {"subtheme_id": subtheme_id},
            f"I understand this splits “{sub['title']}” out of #{theme_id}", "Split it out")
    what = f"“{subs[subtheme_id]['title']}” split out of theme {theme_id}"
    change = _submit(request, "split", {"theme_id": theme_id, "subtheme_id": subtheme_id}, user, what)
    if change.applied_at is not None and not change.error:
        _say_new_theme(request, theme_id, what)
    return RedirectResponse(f"/themes/{theme_id}", status_code=303)


def _say_new_theme(request: Request, theme_id: int, what: str) -> None:
    """After a split: the flash names the new theme and links to it (the split is its theme's latest lineage)."""
    with mirror_of(request).read() as con:
        new = next((entry["child_id"] for entry in queries_theme.lineage(con, theme_id)
                    if entry["kind"] == "split" and entry["parent_id"] == theme_id), None)
    if new is not None:
        request.session["flash"] = [m for m in request.session.get("flash", []) if m["text"] != f"{what}: saved."]
        flash(request, "ok", f"{what}: saved. It is now theme #{new}, a theme of its own.", href=f"/themes/{new}",
              link=f"Open theme #{new}")


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
