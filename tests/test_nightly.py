"""Themes across nightly runs: incremental nights, stable ids, carried statuses and notes, spikes.

Real Prefect flow runs on real DuckDB files with the real model. The demo generator
writes three weeks of comments; the last two days arrive as two separate nights.
"""

import csv
import json
import shutil
from collections import Counter

import numpy as np
import pytest
from dbutil import rows

from flows.nightly import nightly
from voc import store
from voc.pm import workflow
from voc.ranking.trends import is_spike, theme_flags
from voc.themes.identity import Lineage
from voc.themes.incremental import cluster_leftovers, twins
from voc.themes.noise import Boilerplate


def split_by_day(comments_csv, out_dir, cuts):
    """Write base.csv (before cuts[0]) and night1.csv, night2.csv ... (between the cuts, the last open-ended)."""
    data = [r for r in csv.DictReader(open(comments_csv, encoding="utf-8")) if not r["comment_id"].startswith("bad")]
    bounds = [""] + cuts + ["9999"]
    paths = []
    for i, name in enumerate(["base"] + [f"night{n}" for n in range(1, len(cuts) + 1)]):
        path = out_dir / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(data[0]))
            writer.writeheader()
            writer.writerows(r for r in data if bounds[i] <= r["created_at"] < bounds[i + 1])
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def nights(tmp_path_factory, demo_files):
    """A store after a full base run and one incremental night; the files for that night and the next."""
    folder = tmp_path_factory.mktemp("nights")
    base, night1, night2 = split_by_day(demo_files.comments, folder, ["2026-11-14", "2026-11-15"])
    db = folder / "voc.duckdb"
    first = nightly(str(base), str(db), source_name="demo")
    second = nightly(str(night1), str(db), source_name="demo")
    return {"db": db, "night1": night1, "night2": night2, "first": first, "second": second}


def copy(db, tmp_path):
    target = tmp_path / "voc.duckdb"
    shutil.copy(db, target)
    return target


def test_an_incremental_night_embeds_only_new_comments_and_keeps_every_known_theme(nights):
    first, second = nights["first"], nights["second"]
    assert first["mode"] == "full" and second["mode"] == "incremental"
    new = second["ingest"]["new"]
    old_texts = {t for t, in rows(nights["db"], "SELECT text FROM comments WHERE first_run_id = 1")}
    new_texts = {t for t, in rows(nights["db"], "SELECT text FROM comments WHERE first_run_id = 2")}
    phrases = tuple(json.loads(rows(nights["db"], "SELECT stats FROM runs WHERE run_id = 1")[0][0])["boilerplate"])
    embedded = lambda texts: texts | {Boilerplate(phrases).clean(t) for t in texts}  # noqa: E731  (cleaned + whole)
    assert 0 < new and second["embed"]["encoded"] == len(embedded(new_texts) - embedded(old_texts)) > 0
    before = dict(((s, c), t) for s, c, t in rows(nights["db"], "SELECT source, comment_id, theme_id FROM assignments "
                                                                "WHERE run_id = 1"))
    after = dict(((s, c), (t, m)) for s, c, t, m in rows(nights["db"], "SELECT source, comment_id, theme_id, method "
                                                                      "FROM current_assignments"))
    kept = [after[k][0] == t for k, t in before.items() if t >= 0]
    assert all(kept) and len(kept) > 400
    methods = Counter(m for k, (t, m) in after.items() if k not in before)
    assert sum(methods.values()) == new and methods["assigned"] > 0.7 * new


def test_rerunning_a_night_is_idempotent(nights, tmp_path):
    db = copy(nights["db"], tmp_path)
    before = rows(db, "SELECT comment_id, theme_id, method, sentiment FROM current_assignments ORDER BY 1")
    themes = rows(db, "SELECT theme_id, title, size FROM current_themes ORDER BY 1")
    again = nightly(str(nights["night1"]), str(db), source_name="demo")
    assert again["mode"] == "incremental" and again["ingest"]["new"] == 0 and again["embed"]["encoded"] == 0
    assert rows(db, "SELECT comment_id, theme_id, method, sentiment FROM current_assignments ORDER BY 1") == before
    assert rows(db, "SELECT theme_id, title, size FROM current_themes ORDER BY 1") == themes


def test_status_and_note_survive_a_full_recluster_and_a_rerun_gives_the_same_ids(nights, tmp_path):
    db = copy(nights["db"], tmp_path)
    theme_id, size = rows(db, "SELECT theme_id, size FROM current_themes ORDER BY size DESC LIMIT 1")[0]
    members = {c for c, in rows(db, "SELECT comment_id FROM current_assignments WHERE theme_id = ?", [theme_id])}
    con = store.connect(db)
    workflow.update(con, theme_id, "anna", status="planned", note="Fix ships in 5.3", owner="payments")
    con.close()
    full = nightly(str(nights["night2"]), str(db), source_name="demo", mode="full")
    assert full["mode"] == "full"
    status, note, owner = rows(db, "SELECT status, note, owner FROM current_themes WHERE theme_id = ?", [theme_id])[0]
    assert (status, note, owner) == ("planned", "Fix ships in 5.3", "payments")
    still = {c for c, in rows(db, "SELECT comment_id FROM current_assignments WHERE theme_id = ?", [theme_id])}
    assert len(members & still) >= 0.8 * len(members)
    first_full = rows(db, "SELECT comment_id, theme_id FROM current_assignments ORDER BY 1")
    nightly(str(nights["night2"]), str(db), source_name="demo", mode="full")
    assert rows(db, "SELECT comment_id, theme_id FROM current_assignments ORDER BY 1") == first_full


def test_a_merge_carries_both_parents_notes_to_the_survivor(nights, tmp_path):
    db = copy(nights["db"], tmp_path)
    survivor, merged = [t for t, in rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2")]
    con = store.connect(db)
    workflow.update(con, survivor, "anna", note="Known issue, see PAY-1")
    workflow.update(con, merged, "ben", status="planned", owner="payments", note="Planned for Q1")
    with store.transaction(con):
        workflow.carry_lineage(con, 99, [Lineage(merged, survivor, "merge", 0.9)])
    state = workflow.current(con, survivor)
    kinds = [h["kind"] for h in workflow.history(con, survivor)]
    con.close()
    assert "Known issue, see PAY-1" in state.note and f"[merged from #{merged}] Planned for Q1" in state.note
    assert state.status == "planned" and state.owner == "payments"  # a theme still 'new' takes the merged one's status
    assert kinds[-1] == "merge"
    assert rows(db, "SELECT parent_id, child_id, kind FROM theme_lineage") == [(merged, survivor, "merge")]


def test_the_emerging_problem_in_the_generated_data_is_flagged(published_db, demo_files):
    db, summary = published_db
    truth = {r["comment_id"]: r["problem"] for r in csv.DictReader(open(demo_files.truth))}
    crash = Counter(t for c, t in rows(db, "SELECT comment_id, theme_id FROM current_assignments WHERE theme_id >= 0")
                    if truth[c] == "app_crash_update")
    theme = crash.most_common(1)[0][0]
    emerging, spike, why = rows(db, "SELECT emerging, spike, why FROM current_themes WHERE theme_id = ?", [theme])[0]
    assert emerging or spike, why
    assert theme in summary["emerging"] + summary["spikes"]
    flagged = rows(db, "SELECT count(*) FROM current_themes WHERE emerging OR spike")[0][0]
    assert flagged <= 3  # steady themes stay quiet


def test_spike_rule():
    steady = np.array([2, 3, 1, 2, 2, 3, 2, 1, 2, 2])
    assert is_spike(12, steady) and not is_spike(4, steady)
    assert not is_spike(4, np.zeros(10))  # below the minimum volume
    assert not is_spike(14, np.array([5, 4, 10, 4]))  # 2σ above, but plausible for a count averaging ~6


def test_flags_on_a_synthetic_series():
    from datetime import datetime, timedelta

    start = datetime(2026, 10, 1, 12)
    stamps = [start + timedelta(days=d) for d in range(40) for _ in range(2)]  # theme 1: two a day
    stamps += [start + timedelta(days=39)] * 12  # theme 2: twelve on the last day only
    ids = np.array([1] * 80 + [2] * 12)
    flags = theme_flags(ids, stamps, period_days=7)
    assert not flags[1].spike and not flags[1].emerging
    assert flags[2].emerging and "emerging" in flags[2].detail
    stamps += [start + timedelta(days=39)] * 30  # theme 1 surges on the last day: the baseline says its window
    flags = theme_flags(np.array([1] * 80 + [2] * 12 + [1] * 30), stamps, period_days=7)
    assert flags[1].detail == "spike: 32 on the last day vs 2.0 ± 0.0 a day in the 28 days before"


def test_an_emerging_theme_spikes_only_against_its_own_days():
    """Zeros from before a new problem existed are no baseline (walkthrough 3a F8: "emerging …; spike: 6 on the
    last day vs 0.2 ± 1.3 a day" for 13 comments): it is emerging, with its count; it spikes when it surges after
    its first days."""
    from datetime import datetime, timedelta

    start = datetime(2026, 10, 1, 12)
    steady = [start + timedelta(days=d) for d in range(40) for _ in range(2)]
    new = [start + timedelta(days=38)] * 7 + [start + timedelta(days=39)] * 6  # a new problem, 7 then 6 a day
    flags = theme_flags(np.array([1] * 80 + [2] * 13), steady + new, period_days=7)
    assert flags[2].emerging and not flags[2].spike
    assert flags[2].detail == "emerging: first seen 2026-11-08, 13 comments"
    quiet = [start + timedelta(days=d) for d in range(34, 39)]  # one a day for five days, then 30
    flags = theme_flags(np.array([1] * 80 + [2] * 35), steady + quiet + [start + timedelta(days=39)] * 30, 7)
    assert flags[2].emerging and flags[2].spike
    assert flags[2].detail.endswith("; spike: 30 on the last day vs 1.0 ± 0.0 a day in the 3 days before")


def test_when_a_night_is_full_or_incremental():
    from datetime import datetime, timedelta

    from voc.config import Settings
    from dataclasses import replace

    from voc.corpus import Corpus, ThemeSet
    from voc.themes.incremental import Plan, choose_mode, escalate
    from voc.themes.previous import Previous

    settings, now = Settings(), datetime(2026, 11, 20, 2)
    prev = Previous(run_id=3, params=settings.as_dict(), last_full=now - timedelta(days=2), theme_of=np.array([1, -1]),
                    method=None, similarity=None, sentiment_score=None, sentiment=None, centroids={1: np.ones(3)},
                    group_means={}, labels={}, max_theme_id=1, sub_centroids={4: np.ones(3)}, boilerplate=())
    assert choose_mode(settings, "auto", prev, now)[0] == "incremental"
    old_store = replace(prev, sub_centroids={}, boilerplate=None)  # published by a voc without sub-themes
    assert "no sub-themes" in choose_mode(settings, "auto", old_store, now)[1]
    assert "found no themes" in choose_mode(settings, "auto", replace(prev, centroids={}), now)[1]  # an empty first run
    assert "older voc" in choose_mode(settings, "auto", replace(prev, centroids={}, labels={1: None}), now)[1]
    assert choose_mode(settings, "full", prev, now)[0] == "full"
    assert choose_mode(settings, "auto", None, now)[0] == "full"
    assert "model changed" in choose_mode(Settings(model="minilm"), "auto", prev, now)[1]
    assert "days old" in choose_mode(settings, "auto", prev, now + timedelta(days=9))[1]
    assert choose_mode(settings, "incremental", prev, now + timedelta(days=9))[0] == "incremental"
    plan = Plan("incremental", "", np.array([1]), prev)
    corpus = Corpus(keys=[("s", "1"), ("s", "2")], texts=["a b", "c d"], hashes=["", ""], languages=["de", "de"],
                    created_at=[now, now], csat=[None, None], nps=[None, None])
    half_unclustered = ThemeSet("incremental", np.array([1, -1]), None, None, {}, {}, {})
    assert escalate(settings, plan, half_unclustered, corpus).mode == "full"  # 50% > the 15% limit
    assert escalate(settings, plan, ThemeSet("incremental", np.array([1, 1]), None, None, {}, {}, {}),
                    corpus).mode == "incremental"


def test_an_incremental_night_places_new_comments_in_subthemes_of_their_themes(nights):
    db = nights["db"]
    new = rows(db, """SELECT a.theme_id, a.subtheme_id, s.theme_id FROM current_assignments a
                      JOIN comments c USING (source, comment_id)
                      LEFT JOIN current_subthemes s ON s.subtheme_id = a.subtheme_id
                      WHERE c.first_run_id = 2 AND a.theme_id >= 0""")
    assert new and all(sub >= 0 and parent == theme for theme, sub, parent in new)


def test_a_weekly_recluster_keeps_the_title_of_a_theme_whose_comments_stayed(nights, tmp_path):
    """PMs, agents and tickets know a theme by its title: a re-cluster that re-ranks near-equal phrases must not
    rename a theme that holds the same comments (`voc.themes.levels.titles_kept`)."""
    db = copy(nights["db"], tmp_path)
    before = dict(rows(db, "SELECT theme_id, title FROM current_themes"))
    members = lambda: {t: {c for c, x in rows(db, "SELECT comment_id, theme_id FROM current_assignments") if x == t}
                       for t in before}  # noqa: E731
    was = members()
    nightly(str(nights["night2"]), str(db), source_name="demo", mode="full")
    after, now = dict(rows(db, "SELECT theme_id, title FROM current_themes")), members()
    stayed = [t for t in before if t in after and len(was[t] & now[t]) >= 0.8 * len(now[t]) >= 0.4 * len(was[t])]
    assert len(stayed) >= 0.6 * len(before)
    assert [(t, before[t], after[t]) for t in stayed if before[t] != after[t]] == []
    assert len(set(after.values())) == len(after)  # still unique


@pytest.fixture(scope="module")
def crash_night(tmp_path_factory, demo_files):
    """A store whose full run saw the first 4 notes of the generator's emerging problem (an app crash after an
    update, from 2026-11-12 on; too few for a sub-theme, so they joined the nearest one), then one incremental night
    (from 2026-11-14) with 12 more."""
    folder = tmp_path_factory.mktemp("crash")
    base, night = split_by_day(demo_files.comments, folder, ["2026-11-14"])
    db = folder / "voc.duckdb"
    nightly(str(base), str(db), source_name="demo")
    nightly(str(night), str(db), source_name="demo")
    return db


def test_a_new_problem_arriving_in_a_night_is_an_emerging_theme_not_part_of_an_old_one(crash_night, demo_files):
    """The emerging problem shares words with the login problem ("App"); placed comment by comment, its notes
    joined the login theme. A night's dense group unlike every known sub-theme is kept together as an emerging
    theme (`voc.themes.emerging`)."""
    truth = {r["comment_id"]: r["problem"] for r in csv.DictReader(open(demo_files.truth))}
    tonight = rows(crash_night, """SELECT a.comment_id, a.theme_id, a.method FROM current_assignments a
                                   JOIN comments c USING (source, comment_id) WHERE c.first_run_id = 2""")
    crash = Counter((theme, method) for c, theme, method in tonight if truth[c] == "app_crash_update")
    (theme, method), held = crash.most_common(1)[0]
    assert method == "emerging" and held >= 0.8 * sum(crash.values()) >= 8, crash
    members = Counter(truth[c] for c, t in rows(crash_night, "SELECT comment_id, theme_id FROM current_assignments")
                      if t == theme)
    assert members.most_common(1)[0][0] == "app_crash_update" and members["app_login"] <= 0.2 * sum(members.values())
    stats = json.loads(rows(crash_night, "SELECT stats FROM runs WHERE run_id = 1")[0][0])
    assert 0 < stats["unseen_group_similarity"] < 1


def test_a_night_of_copies_of_placed_texts_makes_no_emerging_theme(store_copy, demo_files):
    """Walkthrough 5a F8: the demo's comments again under another source name (an export re-sent, a CRM re-sync)
    made emerging themes out of exact copies of known comments, split off their own theme. As in a full run, a copy
    of a text already in a sub-theme follows it."""
    before = rows(store_copy, "SELECT count(*) FROM current_themes")
    summary = nightly(str(demo_files.comments), str(store_copy), source_name="resent")
    assert summary["mode"] == "incremental" and summary["ingest"]["new"] > 500, summary
    assert summary["emerging_themes"] == 0, summary
    pairs = rows(store_copy, """SELECT o.theme_id, o.subtheme_id, r.theme_id, r.subtheme_id, r.method
                                FROM current_assignments r JOIN current_assignments o USING (comment_id)
                                WHERE r.source = 'resent' AND o.source = 'demo'""")
    assert len(pairs) == summary["ingest"]["new"]
    placed = [p for p in pairs if p[0] >= 0]
    assert len(placed) > 0.9 * len(pairs)
    assert [p for p in placed if p[:2] != p[2:4] or p[4] != "assigned"] == []
    assert rows(store_copy, "SELECT count(*) FROM current_themes") == before


def test_a_copy_follows_the_first_placed_row_with_its_text():
    placed = np.array([False, True, True, True, False])
    texts = ["a", "a", "b", "a", "c"]
    assert twins(texts, np.array([0, 4]), placed).tolist() == [1, -1]
    assert twins(texts, np.array([], dtype=np.int64), placed).tolist() == []


def test_copies_of_stray_texts_are_no_group_and_one_text_repeated_enough_is_one():
    """As in a full run, a night clusters each distinct vector once: copies of a few stray notes are not a dense
    group; a text repeated at least the smallest group's size is one."""
    rng = np.random.default_rng(5)
    strays = rng.standard_normal((8, 32))
    strays /= np.linalg.norm(strays, axis=1, keepdims=True)
    assert (cluster_leftovers(np.vstack([strays, strays, strays]), min_size=5, threshold=0.3) == -1).all()
    labels = cluster_leftovers(np.vstack([strays, np.repeat(strays[:1], 5, axis=0)]), min_size=5, threshold=0.3)
    assert labels.tolist() == [0] + [-1] * 7 + [0] * 5
