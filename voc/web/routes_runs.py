"""The runs page: run history and the open quarantined rows with reasons."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from voc.web import auth, queries_runs
from voc.web.pages import mirror_of, render
from voc.web.users import User

router = APIRouter()


@router.get("/runs")
def runs_page(request: Request, user: User = Depends(auth.pm)):
    mirror = mirror_of(request)
    with mirror.read() as con:
        runs = queries_runs.runs(con)
        quarantined, still_open, resolved = queries_runs.quarantine(con)
    return render(request, "runs.html", runs=runs, quarantined=quarantined, quarantine_open=still_open,
                  quarantine_resolved=resolved,
                  changes=mirror.queue.changes(limit=30, decisions_only=True))
