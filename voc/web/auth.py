"""Who is asking: the signed session cookie, roles, and the CSRF token every form carries.

The session (Starlette's SessionMiddleware) is a cookie signed with the app's secret, HttpOnly and
SameSite=Lax; it holds the user's name, a stamp of their password (`users.stamp`), a random session id and a
random CSRF token. Every POST must send that token back in its `csrf` field, or it is refused with 403.

A session is checked against the store on every request (its snapshot, see `voc.web.mirror`): the role and agent id
are the ones stored now, and a session ends when its user is removed (`voc user remove`), gets a new password
(`voc user add --replace`, which also sets role and agent id), or logs out (the session id is kept in the change
queue's `logged_out` table until it would have expired anyway, so a copy of the cookie is refused too). A change in
the store reaches the app at its next sync (every few seconds; after a nightly run that holds the store).
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from fastapi import Request

from voc.errors import AccessError
from voc.web import users
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


def login(request: Request, user: User, stamp: str) -> None:
    request.session.clear()
    request.session.update({"user": user.name, "stamp": stamp, "sid": secrets.token_urlsafe(24),
                            "csrf": secrets.token_urlsafe(24)})


def logout(request: Request) -> None:
    """End the session here and on the server: its id is refused from now on, whoever sends the cookie."""
    if request.session.get("sid"):
        request.app.state.mirror.queue.log_out(request.session["sid"], SESSION_SECONDS)
    request.session.clear()


def user(request: Request) -> User:
    """The logged-in user as the store has them now (a FastAPI dependency); LoginRequired when there is none, or when
    the session was ended (see the module's docstring)."""
    name, sid = request.session.get("user"), request.session.get("sid")
    if not name or not sid:  # no sid: a cookie from before sessions could be ended
        raise LoginRequired()
    mirror = request.app.state.mirror
    with mirror.read() as con:
        found = users.session_of(con, name)
    if found is None or found[1] != request.session.get("stamp") or mirror.queue.logged_out(sid):
        request.session.clear()
        raise LoginRequired()
    return found[0]


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
