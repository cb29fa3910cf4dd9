"""The web app: `create_app(db)` builds it; `voc serve` runs it with uvicorn.

Pages are rendered on the server from Jinja2 templates (autoescaped); charts are Plotly figures
drawn by plotly.min.js, served from the installed package (no CDN, no build step). Reads go to a
snapshot and changes through a queue (see `voc.web.mirror`), so the app keeps working while a
nightly run holds the store. One exception handler turns voc's named errors into HTTP statuses.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from voc.errors import (AccessError, ConfigError, NotFoundError, SchemaTooNewError, StoreError,
                        StoreLockedError, TransitionError, VocError, clean_message)
from voc.web import auth, charts, routes_agent, routes_auth, routes_export, routes_runs, routes_theme, routes_themes
from voc.web.mirror import SYNC_SECONDS, Mirror
from voc.web.pages import HERE, render

HTTP_STATUS = {AccessError: 403, NotFoundError: 404, TransitionError: 409, ConfigError: 400,
               StoreLockedError: 503, StoreError: 503, SchemaTooNewError: 503}


def status_for(exc: VocError) -> int:
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500


def create_app(db: Path, secret: str | None = None, sync_seconds: float | None = SYNC_SECONDS,
               https_only: bool = False) -> FastAPI:
    """The app over the store at `db`; `sync_seconds=None` turns the background sync off (tests)."""
    mirror = Mirror(Path(db))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(_sync_forever(mirror, sync_seconds)) if sync_seconds else None
        yield
        if task:
            task.cancel()
        mirror.close()

    app = FastAPI(title="voc", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.mirror = mirror
    app.add_middleware(SessionMiddleware, secret_key=secret or auth.secret_for(db), session_cookie="voc_session",
                       max_age=auth.SESSION_SECONDS, same_site="lax", https_only=https_only)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/plotly.min.js", include_in_schema=False)
    def plotly_js():
        return FileResponse(charts.PLOTLY_JS, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    _add_error_pages(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    for module in (routes_auth, routes_themes, routes_theme, routes_agent, routes_runs, routes_export):
        app.include_router(module.router)
    return app


async def _sync_forever(mirror: Mirror, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        with contextlib.suppress(StoreError):  # a store that cannot be opened now is retried at the next tick
            await asyncio.to_thread(mirror.sync, 0.0)


def _add_error_pages(app: FastAPI) -> None:
    """One handler per kind of failure, each answering with the error page and its HTTP status."""
    @app.exception_handler(VocError)
    async def voc_error(request: Request, exc: VocError):
        return (routes_agent.agent_error(request, status_for(exc))  # an agent reads it in their words
                or render(request, "error.html", status_code=status_for(exc), message=clean_message(str(exc))))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = (f"there is no page at {request.url.path}: start from the themes page" if exc.status_code == 404
                   else str(exc.detail))
        return (routes_agent.agent_error(request, exc.status_code)
                or render(request, "error.html", status_code=exc.status_code, message=clean_message(message)))

    @app.exception_handler(RequestValidationError)
    async def bad_value(request: Request, exc: RequestValidationError):
        """A value in the address or a form voc cannot read (/themes/abc, ?page=x): the error page, not JSON."""
        if agents := routes_agent.agent_error(request, 400):
            return agents
        first = exc.errors()[0]
        where = first["loc"][-1] if first.get("loc") else "a value"
        if first.get("type") == "missing":  # only a form's field can be missing: addresses have defaults
            return render(request, "error.html", status_code=400,
                          message=f"the form has no {where} field: reload the page and send it again")
        said = f"{where} {first['input']!r}" if isinstance(first.get("input"), (str, int, float)) else f"{where}"
        return render(request, "error.html", status_code=400,
                      message=clean_message(f"{said} cannot be used here: {first['msg'][:1].lower()}{first['msg'][1:]}"))

    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, exc: auth.LoginRequired):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
