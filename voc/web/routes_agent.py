"""The agent's page, "My feedback": what became of each comment they filed, grouped by theme.

Access is enforced by the library (`voc.agents.loop.agent_view` with the logged-in agent as viewer):
an agent asking for another agent's page gets 403. Product managers may look at any agent's
page; only the agent's own visit marks the changes as seen (through the change queue).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request

from voc.agents import loop, wording
from voc.web import auth
from voc.web.pages import mirror_of, render
from voc.web.users import User

router = APIRouter()


def group_by_theme(comments: list[dict], changed: set[int]) -> list[dict]:
    """One group per theme: changed since the last visit first, then by status progress, then by size."""
    order = {s: i for i, s in enumerate(("done", "in_progress", "planned", "under_review", "declined", "new"))}
    groups: dict[int, dict] = {}
    for c in comments:
        g = groups.setdefault(c["theme_id"], {"theme_id": c["theme_id"], "title": c["theme"], "status": c["status"],
                                              "owner": c["owner"], "note": c["note"], "reason": c["reason"],
                                              "ticket_key": c["ticket_key"],
                                              "ticket_url": c["ticket_url"],
                                              "changed": c["theme_id"] in changed, "comments": []})
        g["comments"].append(c)
    return sorted(groups.values(), key=lambda g: (not g["changed"], g["theme_id"] < 0,
                                                  order.get(g["status"] or "", 9), -len(g["comments"])))


@router.get("/agent/{agent_id:path}")  # an id may hold "/" (DE/A07): quoted in links, see `pages.agent_url`
def agent_page(request: Request, agent_id: str, lang: str | None = None, user: User = Depends(auth.user)):
    """In the agent's own language (the one most of their comments are in); `?lang=en` or `?lang=de` switches, and
    the choice holds for the rest of the session."""
    viewer = None if user.can_change else (user.agent_id or f"user {user.name}")
    if lang is not None:
        request.session["lang"] = wording.checked_language(lang)
    mirror = mirror_of(request)
    with mirror.read() as con:
        view = loop.agent_view(con, agent_id, viewer=viewer, mark_seen=False, language=request.session.get("lang"))
        latest = loop.latest_event(con)
    if viewer is not None:  # the agent's own visit: what they saw now counts as seen
        seen = {"agent_id": agent_id, "event_id": latest, "at": datetime.now().isoformat()}
        mirror.queue.submit("seen", seen, user.name)
    changed = {c["theme_id"] for c in view.changes}
    words = wording.PAGE_WORDS[view.language]
    return render(request, "agent.html", agent_id=agent_id, view=view, headline=view.summary["headline"],
                  groups=group_by_theme(view.comments, changed), page_language=view.language, words=words,
                  status_words=wording.STATUS_WORDS[view.language], nav_mine=words["mine"], logout=words["logout"],
                  others=[(lang, wording.PAGE_WORDS[lang]["name"]) for lang in wording.LANGUAGES
                          if lang != view.language])
