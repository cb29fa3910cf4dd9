"""Who is asking: the signed session cookie, roles, and the CSRF token every form carries.

The session (Starlette's SessionMiddleware) is a cookie signed with the app's secret, HttpOnly and
SameSite=Lax; it holds the user's name, role and agent id, and a random CSRF token. Every POST
must send that token back in its `csrf` field, or it is refused with 403.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from fastapi import Request

from voc.errors import AccessError
from voc.web.users import User

SESSION_SECONDS = 12 * 3600  # one working day: log in again the next morning


class LoginRequired(Exception):
    """No session: the handler sends the browser to the login page."""


def secret_for(db: Path) -> str:
    """The signing secret: VOC_WEB_SECRET if set, else a random one kept in a file beside the store."""
    import os

    if os.environ.get("VOC_WEB_SECRET"):
        return os.environ["VOC_WEB_SECRET"]
    path = Path(db).parent / f"{Path(db).stem}.web-secret"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def login(request: Request, user: User) -> None:
    request.session.clear()
    request.session.update({"user": user.name, "role": user.role, "agent_id": user.agent_id,
                            "csrf": secrets.token_urlsafe(24)})


def user(request: Request) -> User:
    """The logged-in user (a FastAPI dependency); LoginRequired when there is none."""
    name = request.session.get("user")
    if not name:
        raise LoginRequired()
    return User(name, request.session["role"], request.session.get("agent_id"))


def pm(request: Request) -> User:
    """A user who may change things (pm or admin); AccessError (403) for an agent."""
    u = user(request)
    if not u.can_change:
        raise AccessError(f"{u.name} is an agent: this page is for product managers")
    return u


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(24)
    return request.session["csrf"]


async def check_csrf(request: Request) -> None:
    """Refuse a form whose `csrf` field is missing or differs from the session's token."""
    form = await request.form()
    sent = str(form.get("csrf") or "")
    expected = request.session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        raise AccessError("this form has expired or did not come from voc (missing CSRF token): reload the page "
                          "and send it again")
