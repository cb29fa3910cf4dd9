"""The web app on a store whose file was cut short (a disk that filled, a copy interrupted): the error page says the
store is damaged and what to do, with 503, not a bare 500. A real truncated store, a real local server."""

from __future__ import annotations

import os
import re
import shutil

import httpx

from tests.test_web import PM, Server
from voc import store
from voc.web import users
from voc.web.app import create_app


def test_a_store_cut_short_is_a_page_that_says_it_is_damaged_not_a_bare_500(published_db, tmp_path):
    db = tmp_path / "voc.duckdb"
    shutil.copy(published_db[0], db)
    with store.open(db, write=True) as con:
        users.add(con, PM[0], "pm", PM[1])
    os.truncate(db, db.stat().st_size // 2)  # `truncate -s half`: the blocks behind the cut are gone
    with Server(create_app(db, secret="s", sync_seconds=None)) as server, \
            httpx.Client(base_url=server.url, follow_redirects=False) as client:
        login = client.get("/login")
        assert login.status_code == 200  # the login page reads nothing of the store
        token = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        page = client.post("/login", data={"csrf": token, "name": PM[0], "password": PM[1]})
    assert page.status_code == 503, page.text
    said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert f"{db} is damaged (DuckDB: Could not read enough bytes" in said
    assert "restore the last `voc backup` over it (README: Backups)" in said
