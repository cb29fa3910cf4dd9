"""Retention: older runs lose their per-comment rows (`assignments`, `comment_map`), and nothing that reads a store
notices. Real nightly flow runs and real PM edits (each a published run) on a real store."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from flows.nightly import nightly
from tests.dbutil import rows
from tests.test_declined import theme_with_subthemes
from tests.test_web import AGENT, PM, Server
from tests.test_web_sessions import logged_in
from voc import retention, store
from voc.cli.main import app as cli
from voc.pm import theme_edit, workflow
from voc.web import users
from voc.web.app import create_app

RUNS = ("full", "incremental", "edit", "incremental", "edit", "incremental")  # runs 1-6, as the fixture makes them


def with_rows(db, table: str) -> set[int]:
    return {r for r, in rows(db, f"SELECT DISTINCT run_id FROM {table}")}


@pytest.fixture(scope="module")
def six_runs(published_db, demo_files, tmp_path_factory):
    """The demo store's full run (1), then a night (2), a PM's merge (3), a night (4), a split (5), a night (6):
    retention keeps runs 4-6 (the last three), 1 (the last full run) and 6 (published); 2 and 3 are pruned."""
    db = tmp_path_factory.mktemp("retention") / "voc.duckdb"
    shutil.copy(published_db[0], db)
    night = lambda: nightly(str(demo_files.comments), str(db), source_name="demo")  # noqa: E731 (nothing new)
    summaries = [published_db[1], night()]
    into, other = (t for t, in rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2"))
    summaries += [theme_edit.merge(db, into, other, "anna"), night()]
    summaries += [theme_edit.split(db, *theme_with_subthemes(db), "anna"), night()]
    assert [s["mode"] for s in summaries] == list(RUNS) and max(with_rows(db, "runs")) == len(RUNS)
    return {"db": db, "summaries": summaries, "merged": (into, other)}


def test_runs_older_than_the_last_three_lose_their_per_comment_rows_the_published_and_last_full_run_keep_them(
        six_runs):
    db = six_runs["db"]
    comments = rows(db, "SELECT count(*) FROM comments")[0][0]
    assert with_rows(db, "assignments") == {1, 4, 5, 6} == with_rows(db, "comment_map")
    assert rows(db, "SELECT run_id, count(*) FROM assignments GROUP BY 1 ORDER BY 1") == [
        (run, comments) for run in (1, 4, 5, 6)]  # every comment of each kept run, none of another
    assert rows(db, "SELECT count(*) FROM current_assignments")[0][0] == comments
    # what holds history stays for every run: themes, sub-themes, centroids, lineage (a row per theme)
    for table in ("themes", "subthemes", "theme_centroids", "subtheme_centroids", "group_means"):
        assert with_rows(db, table) == set(range(1, 7)), table
    assert 3 in with_rows(db, "theme_lineage")  # the merge
    pruned = [json.loads(s)["pruned_runs"] for s, in rows(db, "SELECT stats FROM runs ORDER BY run_id")]
    assert pruned == [[], [], [], [], [2], [3]]  # said in the stats of the run that pruned them (`voc runs --json`)


def test_voc_runs_and_the_pages_work_after_pruning(six_runs, tmp_path):
    db = tmp_path / "voc.duckdb"
    shutil.copy(six_runs["db"], db)
    out = CliRunner().invoke(cli, ["runs", "--db", str(db), "--json"])
    assert out.exit_code == 0, out.output
    listed = {r["run_id"]: r for r in json.loads(out.output)}
    assert [listed[r]["mode"] for r in range(1, 7)] == list(RUNS)
    assert listed[2]["stats"]["themes"] == six_runs["summaries"][1]["themes"]  # a pruned run's stats stay
    assert CliRunner().invoke(cli, ["runs", "--db", str(db)]).exit_code == 0
    into, other = six_runs["merged"]
    agent, theme = rows(db, "SELECT agent_id, theme_id FROM current_assignments WHERE theme_id >= 0 "
                            "GROUP BY ALL ORDER BY count(*) DESC, agent_id LIMIT 1")[0]
    with store.open(db, write=True) as con:
        users.add(con, PM[0], "pm", PM[1])
        users.add(con, AGENT[0], "agent", AGENT[1], agent_id=agent)
    with Server(create_app(db, secret="s", sync_seconds=None)) as server:
        pm, them = logged_in(server, PM), logged_in(server, AGENT)
        page = pm.get("/runs").text
        assert all(f"<td>{r}</td>" in page for r in range(1, 7))  # every run listed, the pruned ones too
        assert re.search(rf"run 3: merged from\s+#{other}\b", pm.get(f"/themes/{into}").text)  # pruned run's merge
        assert pm.get(f"/themes/{theme}").text.count('<td class="text">') > 0  # the published run's comments
        shown = re.search(r"([\d,]+) comments in", pm.get("/map").text)
        assert shown and int(shown.group(1).replace(",", "")) > 0
        assert f'data-theme="{theme}"' in them.get(f"/agent/{agent}").text  # the agent's comments, by theme


def test_notifications_and_the_next_re_cluster_continue_from_the_published_run(six_runs, demo_files, tmp_path):
    db = tmp_path / "voc.duckdb"
    shutil.copy(six_runs["db"], db)
    theme = rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")[0][0]
    agents = {a for a, in rows(db, "SELECT DISTINCT agent_id FROM current_assignments WHERE theme_id = ?", [theme])}
    with store.open(db, write=True) as con:
        event, _ = workflow.update(con, theme, "anna", status="planned")
    assert agents and {a for a, in rows(db, "SELECT agent_id FROM outbox WHERE event_id = ?", [event])} == agents
    before = dict(rows(db, "SELECT comment_id, theme_id FROM current_assignments WHERE theme_id >= 0"))
    full = nightly(str(demo_files.comments), str(db), source_name="demo", mode="full")
    after = dict(rows(db, "SELECT comment_id, theme_id FROM current_assignments"))
    assert sum(after[c] == t for c, t in before.items()) >= 0.9 * len(before)  # ids kept: matched to run 6's rows
    assert full["pruned_runs"] == [1, 4] and with_rows(db, "assignments") == {5, 6, 7}  # run 7 is the last full now
    assert rows(db, "SELECT status FROM current_themes WHERE theme_id = ?", [theme]) == [("planned",)]
    with store.open(db) as con:
        assert retention.kept_runs(con) == {5, 6, 7}
