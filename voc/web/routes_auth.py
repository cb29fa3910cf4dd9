"""Logging in and out, and the start page (product managers go to the themes, agents to their feedback)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from voc.errors import AccessError
from voc.web import auth, users
from voc.web.pages import agent_url, mirror_of, render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never send a logged-in user to another host."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", next=_safe_next(next))


@router.post("/login", dependencies=[Depends(auth.check_csrf)])
def login(request: Request, name: str = Form(...), password: str = Form(...), next: str = Form("/")):
    with mirror_of(request).read() as con:
        try:
            user = users.authenticate(con, name.strip(), password)
        except AccessError as exc:
            return render(request, "login.html", status_code=403, next=_safe_next(next), error=str(exc), name=name)
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
