"""Logging in and out, and the start page (product managers go to the themes, agents to their feedback)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from voc.agents import web_words
from voc.errors import AccessError
from voc.web import auth, users
from voc.web.pages import agent_url, mirror_of, render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never send a logged-in user to another host."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _login_page(request: Request, status_code: int = 200, **context):
    """The login page in the browser's language (`Accept-Language`: German or English); it names no command, for
    agents have no shell: an account comes from whoever runs voc."""
    language = web_words.browser_language(request.headers.get("accept-language"))
    return render(request, "login.html", status_code=status_code, words=web_words.LOGIN_WORDS[language],
                  page_language=language, **context)


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return _login_page(request, next=_safe_next(next))


@router.post("/login", dependencies=[Depends(auth.check_csrf)])
def login(request: Request, name: str = Form(...), password: str = Form(...), next: str = Form("/")):
    with mirror_of(request).read() as con:
        try:
            user = users.authenticate(con, name.strip(), password)
        except AccessError:  # one message whatever was wrong: the name or the password
            language = web_words.browser_language(request.headers.get("accept-language"))
            return _login_page(request, status_code=403, next=_safe_next(next), name=name,
                               error=web_words.LOGIN_WORDS[language]["refused"])
        _, stamp = users.session_of(con, user.name)
    auth.login(request, user, stamp)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(auth.check_csrf)])
def logout(request: Request):
    auth.logout(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(request: Request, user: users.User = Depends(auth.user)):
    if user.role == "agent":
        return RedirectResponse(agent_url(user.agent_id), status_code=303)
    return RedirectResponse("/themes", status_code=303)
