"""What every route needs to answer with a page: the templates, `render`, `flash` and the store's mirror.

Kept apart from `voc.web.app` so the route modules import it and the app imports them, in one direction.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from voc.agents import loop
from voc.errors import VocError
from voc.text.escape import http_url
from voc.web import auth
from voc.web.mirror import Mirror

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["http_url"] = http_url  # a ticket link is a link only when it is http(s): see _charts.html


agent_url = loop.page_path  # the address of an agent's page (the digests link to it too)


templates.env.globals["agent_url"] = agent_url


def render(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """A page with what every page needs: the user, the CSRF token, flash messages."""
    user = None
    with contextlib.suppress(auth.LoginRequired, VocError):  # an error page renders when the snapshot cannot be read
        user = auth.user(request)
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    return templates.TemplateResponse(request, template, {"user": user, "csrf": auth.csrf_token(request),
                                                      "flashes": flashes, **context}, status_code=status_code)


def flash(request: Request, kind: str, text: str, href: str | None = None, link: str | None = None) -> None:
    """A message on the next page; with `href`, a link after it (`link` its words), e.g. to a theme a split made."""
    request.session.setdefault("flash", [])
    request.session["flash"] = request.session["flash"] + [{"kind": kind, "text": text, "href": href, "link": link}]


def mirror_of(request: Request) -> Mirror:
    return request.app.state.mirror
