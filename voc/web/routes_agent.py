"""The agent's page, "My feedback": what became of each comment they filed, grouped by theme.

Access is enforced by the library (`voc.agents.loop.agent_view` with the logged-in agent as viewer):
an agent asking for another agent's page gets 403. Product managers may look at any agent's
page; only the agent's own visit marks the changes as seen (through the change queue).
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from voc.agents import loop, web_words, wording
from voc.errors import VocError
from voc.web import auth, queue
from voc.web.pages import agent_url, mirror_of, render
from voc.web.routes_theme import MAX_PAGE_DIGITS, page_number
from voc.web.users import User

router = APIRouter()
PAGE_SIZE = 50  # comments per page: a year's few thousand come a screenful at a time, newest first


def group_by_theme(comments: list[dict]) -> list[dict]:
    """One group per theme, in the order of the comments given (their themes changed since the last visit first,
    then newest first); unclustered comments last."""
    groups: dict[int, dict] = {}
    for c in comments:
        g = groups.setdefault(c["theme_id"], {"theme_id": c["theme_id"], "title": c["theme"], "status": c["status"],
                                              "owner": c["owner"], "note": c["note"], "reason": c["reason"],
                                              "state": c["state"], "ticket_key": c["ticket_key"],
                                              "ticket_url": c["ticket_url"],
                                              "changed": c["changed_since_last_look"], "comments": []})
        g["comments"].append(c)
    return sorted(groups.values(), key=lambda g: g["theme_id"] < 0)  # stable: the comments' order otherwise


def comment_page(comments: list[dict], only_changed: bool, asked: str) -> tuple[list[dict], int, int, int]:
    """(the page's comments, how many in all, page number, pages): PAGE_SIZE of them, those whose theme changed since
    the last visit first (or only those), each part newest first; `?page=` out of range is the nearest page."""
    changed = [c for c in comments if c["changed_since_last_look"]]
    chosen = changed if only_changed else changed + [c for c in comments if not c["changed_since_last_look"]]
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = min(page_number(asked), pages)
    return chosen[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], len(chosen), page, pages


def event_number(asked: str | None) -> int | None:
    """`?since=`: the last event seen before this visit, as the page's own links carry it; else (none, or not a
    number) None: the agent's last visit as recorded."""
    return int(asked) if asked and asked.isdigit() and len(asked) <= MAX_PAGE_DIGITS else None


def agent_error(request: Request, status_code: int) -> HTMLResponse | None:
    """The error page an agent reads (`voc.agents.web_words`): in their language, in their terms, leading back to
    their own page; None when the one asking is no agent (product managers read voc's own message)."""
    user = None
    with contextlib.suppress(auth.LoginRequired, VocError):
        user = auth.user(request)
    if user is None or user.can_change or not user.agent_id:
        return None
    language = request.session.get("lang")
    if language is None:
        with contextlib.suppress(VocError), mirror_of(request).read() as con:
            language = loop.language_of(con, user.agent_id)
    words = wording.PAGE_WORDS[language or wording.DEFAULT]
    said = web_words.ERROR_WORDS[language or wording.DEFAULT]
    return render(request, "error.html", status_code=status_code, heading=said["title"],
                  message=web_words.error_message(status_code, language or wording.DEFAULT), back=said["back"],
                  back_url=agent_url(user.agent_id), page_language=language or wording.DEFAULT,
                  nav_mine=words["mine"], logout=words["logout"])


@router.get("/agent/{agent_id:path}")  # an id may hold "/" (DE/A07): quoted in links, see `pages.agent_url`
def agent_page(request: Request, agent_id: str, lang: str | None = None, page: str = "1", changed: str = "",
               since: str | None = None, user: User = Depends(auth.user)):
    """In the agent's own language (the one most of their comments are in); `?lang=en` or `?lang=de` switches, and
    the choice holds for the rest of the session. The comments come PAGE_SIZE at a time (`?page=`), those whose theme
    changed since the last visit first; `?changed=1` shows only those. The page's links carry `?since=`, the last
    change seen before this visit, so its later pages still mark what was new when it was opened."""
    viewer = None if user.can_change else (user.agent_id or f"user {user.name}")
    if lang is not None:
        request.session["lang"] = wording.checked_language(lang)
    mirror = mirror_of(request)
    with mirror.read() as con:
        before = loop.last_seen(con, agent_id) if event_number(since) is None else event_number(since)
        view = loop.agent_view(con, agent_id, viewer=viewer, mark_seen=False, language=request.session.get("lang"),
                               since=before)
        latest = loop.latest_event(con)
    if viewer is not None:  # the agent's own visit: what they saw now counts as seen
        seen = {"agent_id": agent_id, "event_id": latest, "at": datetime.now().isoformat()}
        mirror.queue.submit(queue.VISIT, seen, user.name)
    shown, total, page_no, pages = comment_page(view.comments, changed == "1", page)
    words = wording.PAGE_WORDS[view.language]
    return render(request, "agent.html", agent_id=agent_id, view=view, headline=view.summary["headline"],
                  groups=group_by_theme(shown), page_language=view.language, words=words,
                  status_words=wording.STATUS_WORDS[view.language], nav_mine=words["mine"], logout=words["logout"],
                  others=[(lang, wording.PAGE_WORDS[lang]["name"]) for lang in wording.LANGUAGES
                          if lang != view.language],
                  page=page_no, pages=pages, total=total, only_changed=changed == "1", since=before,
                  any_changed=any(c["changed_since_last_look"] for c in view.comments))
