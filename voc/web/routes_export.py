"""Downloads for product managers: the handoff a team gets and the exports, as `voc handoff` and `voc export` write them.

Every file is written by the command's own library function (`voc.pm.handoff.write_handoff`, `voc.pm.report.export`)
from the pages' snapshot into a temporary folder, sent with its name and content type, and the folder removed once it
has been sent: the browser gets the bytes the command writes (CSV cells formula-safe, Jira markup escaped), nothing
written a second way. Reads only, so a plain GET (a link, a form without CSRF token); pm and admin only.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from voc.errors import ConfigError, NotFoundError
from voc.pm import handoff, report
from voc.web import auth, queries_themes
from voc.web.pages import mirror_of
from voc.web.users import User

router = APIRouter(prefix="/download")

SUFFIXES = {"csv": ".csv", "excel": ".txt", "parquet": ".parquet"}  # as `voc export --help` names its files
MEDIA_TYPES = {  # what each file is, for the browser (Parquet: the type IANA registered in 2024)
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/tab-separated-values; charset=utf-16",  # the excel format: UTF-16 text with tabs
    ".parquet": "application/vnd.apache.parquet",
    ".md": "text/markdown; charset=utf-8",
    ".zip": "application/zip",
}
HANDOFF_FILES = ("jira.csv", "summary.md", "themes.csv", "themes.parquet")  # what `voc handoff` writes, by file
PACKAGE = "package.zip"  # all four in one file, as the folder `voc handoff --out DIR` fills
ALL_TEAMS = "all-teams"  # the file name's team part when the handoff is not for one team
NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")  # a team name as part of a file name: nothing a file system reads


@router.get("/export/{what}")
def export(request: Request, what: str, format: str = "csv", user: User = Depends(auth.pm)):
    """One `voc export WHAT --format FORMAT`: `voc-WHAT.csv`, `.txt` (excel) or `.parquet`."""
    if format not in SUFFIXES:
        raise ConfigError(f"unknown format {format!r}: choose {', '.join(SUFFIXES)}")
    folder = Path(tempfile.mkdtemp(prefix="voc-download-"))
    try:
        out = folder / f"voc-{what}{SUFFIXES[format]}"
        with mirror_of(request).read() as con:
            report.export(con, what, format, out)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _send(out, out.name, folder)


@router.get("/handoff/{name}")
def handoff_file(request: Request, name: str, team: str = "", theme: int | None = None,
                 user: User = Depends(auth.pm)):
    """One file of `voc handoff --team TEAM` (or all of them as a zip): for a team, for the team of a `theme` (its
    owner, else the team most of its comments carry), or for all teams."""
    if name not in (*HANDOFF_FILES, PACKAGE):
        raise NotFoundError(f"a handoff has no file {name!r}: it has {', '.join(HANDOFF_FILES)} (or all as {PACKAGE})")
    folder = Path(tempfile.mkdtemp(prefix="voc-download-"))
    try:
        with mirror_of(request).read() as con:
            report.overview(con, limit=1)  # nothing published yet: say so, as `voc handoff` does
            chosen = queries_themes.team_of(con, theme) if theme is not None else (team.strip() or None)
            files = handoff.write_handoff(con, folder / "handoff", chosen)
        label = (NAME_UNSAFE.sub("-", chosen).strip("-.") or "team") if chosen else ALL_TEAMS
        if name == PACKAGE:
            out = folder / f"voc-handoff-{label}.zip"
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
                for path in (files.jira, files.markdown, files.csv, files.parquet):
                    package.write(path, path.name)
        else:
            out = folder / "handoff" / name
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    stem, dot, suffix = name.rpartition(".") if name != PACKAGE else ("handoff", ".", "zip")
    return _send(out, f"voc-{stem}-{label}{dot}{suffix}", folder)


def _send(path: Path, filename: str, folder: Path) -> FileResponse:
    """The file as an attachment named `filename`; its temporary folder goes once the response is sent."""
    return FileResponse(path, filename=filename, media_type=MEDIA_TYPES[path.suffix],
                        headers={"Cache-Control": "no-store"},
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
