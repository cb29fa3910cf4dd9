"""Two levels in a real store after real flow runs: sub-themes beneath themes, clean titles, PM merge/split/rename
honoured by the next full re-cluster, and the embedding cache keyed by the text actually embedded."""

import csv
import json
import re
from collections import Counter

import numpy as np
import pytest
from dbutil import rows

from flows.nightly import nightly
from voc import store
from voc.errors import NotFoundError, TransitionError
from voc.pm import theme_edit, workflow
from voc.text.util import text_hash
from voc.themes.previous import load_previous
from voc.themes.noise import Boilerplate


def test_every_clustered_comment_has_a_subtheme_beneath_its_theme(published_db):
    db, summary = published_db
    bad = rows(db, """SELECT count(*) FROM current_assignments a LEFT JOIN current_subthemes s USING (subtheme_id)
                      WHERE a.theme_id >= 0 AND (s.theme_id IS NULL OR s.theme_id <> a.theme_id)""")[0][0]
    assert bad == 0
    assert rows(db, "SELECT count(*) FROM current_assignments WHERE theme_id < 0 AND subtheme_id <> -1")[0][0] == 0
    n_themes, n_subs = rows(db, "SELECT (SELECT count(*) FROM current_themes), "
                                "(SELECT count(*) FROM current_subthemes)")[0]
    assert n_themes == summary["themes"] and n_subs == summary["subthemes"] and n_subs > n_themes
    sizes = rows(db, """SELECT t.size, (SELECT sum(size) FROM current_subthemes s WHERE s.theme_id = t.theme_id),
                               t.subthemes FROM current_themes t""")
    assert all(size == total and n >= 1 for size, total, n in sizes)


def test_one_theme_per_problem_on_the_demo_data(published_db, demo_files):
    db, summary = published_db
    truth = {r["comment_id"]: r["problem"] for r in csv.DictReader(open(demo_files.truth))}
    by_problem = {}
    for cid, theme in rows(db, "SELECT comment_id, theme_id FROM current_assignments"):
        by_problem.setdefault(truth[cid], []).append(theme)
    held = [p for p, themes in by_problem.items() if Counter(themes).most_common(1)[0][1] >= 0.8 * len(themes)]
    assert len(held) >= 10, [(p, Counter(t).most_common(3)) for p, t in by_problem.items() if p not in held]
    assert summary["themes"] <= 24 < summary["subthemes"] + 24


def test_titles_are_short_unique_and_free_of_placeholders(published_db):
    db, _ = published_db
    titles = [t for t, in rows(db, "SELECT title FROM current_themes")]
    assert len({t.lower() for t in titles}) == len(titles)
    assert all(0 < len(t) <= 60 and not re.search(r"\[[A-Z_]+\]|zzph", t) and " / " not in t for t in titles)
    sub_titles = rows(db, "SELECT theme_id, list(title) FROM current_subthemes GROUP BY theme_id")
    assert all(len(set(ts)) == len(ts) and all(len(t) <= 60 for t in ts) for _, ts in sub_titles)


def test_a_theme_is_named_after_its_largest_sub_theme(published_db):
    """The title is a phrase the comments of the theme's largest sub-theme (counted in all languages; one with at
    least a third of its comments in the theme's language) say; a theme's only sub-theme carries its title."""
    db, _ = published_db
    largest = dict(rows(db, """WITH lang AS (SELECT theme_id, mode(language) AS language FROM current_assignments
                                             WHERE theme_id >= 0 GROUP BY theme_id),
                                    n AS (SELECT a.theme_id, a.subtheme_id, count(*) AS size,
                                                 count(*) FILTER (WHERE a.language = lang.language) AS speaking
                                          FROM current_assignments a JOIN lang USING (theme_id) GROUP BY ALL)
                               SELECT theme_id, arg_max(subtheme_id, size * 100000 - subtheme_id) FROM n
                               WHERE speaking >= greatest(3, size / 3) GROUP BY 1"""))
    comments = rows(db, "SELECT theme_id, subtheme_id, lower(text) FROM current_assignments WHERE theme_id >= 0")
    for theme_id, title in rows(db, "SELECT theme_id, title FROM current_themes WHERE subthemes > 1"):
        said = [text for t, sub, text in comments
                if t == theme_id and sub == largest[theme_id] and title.lower() in text]
        assert len(said) >= 3, (theme_id, title)
    only = rows(db, """SELECT t.title, s.title FROM current_themes t JOIN current_subthemes s USING (theme_id)
                       WHERE t.subthemes = 1""")
    assert only and all(theme == sub for theme, sub in only)


def test_placeholders_and_boilerplate_are_not_embedded_but_stored(published_db):
    db, summary = published_db
    phrases = tuple(summary["boilerplate"])
    assert any("zzphiban" in p or "iban" in p for p in phrases) or phrases  # found from the data
    texts = [t for t, in rows(db, "SELECT text FROM comments WHERE text LIKE '%[IBAN]%' LIMIT 20")]
    assert texts, "the demo data has redacted IBANs"
    cached = {h for h, in rows(db, "SELECT text_hash FROM embeddings")}
    for text in texts:
        clean = Boilerplate(phrases).clean(text)
        assert "[IBAN]" not in clean and text_hash(clean) in cached  # the cache key is the text embedded
    keywords = " ".join(k for ks, in rows(db, "SELECT keywords FROM current_themes") for k in ks)
    assert "iban" not in keywords.lower() and "zzph" not in keywords


@pytest.fixture
def two_themes(store_copy):
    a, b = [t for t, in rows(store_copy, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2")]
    return store_copy, a, b


def comments_of(db, theme_id):
    return {c for c, in rows(db, "SELECT comment_id FROM current_assignments WHERE theme_id = ?", [theme_id])}


def test_a_pm_merge_carries_the_status_and_survives_a_full_recluster(two_themes, demo_files):
    db, a, b = two_themes
    with store.open(db, write=True) as con:
        workflow.update(con, b, "pm.anna", status="planned", owner="payments", note="fix in 5.3")
    members = comments_of(db, a) | comments_of(db, b)
    theme_edit.merge(db, a, b, "pm.anna <anna.schmidt@firma.de>")
    assert comments_of(db, a) == members and not comments_of(db, b)
    assert rows(db, "SELECT created_by FROM theme_overrides") == [("pm.anna <[EMAIL]>",)]  # who, without the address
    assert "anna.schmidt@" not in str(rows(db, "SELECT * FROM runs"))
    with store.open(db) as con:
        assert workflow.current(con, a).status == "planned" and "fix in 5.3" in workflow.current(con, a).note
    assert rows(db, "SELECT kind FROM theme_lineage WHERE parent_id = ? AND child_id = ?", [b, a]) == [("merge",)]
    summary = nightly(str(demo_files.comments), str(db), source_name="demo", mode="full")
    assert summary["mode"] == "full" and summary["pinned_subthemes"] >= 2
    after = Counter(t for c, t in rows(db, "SELECT comment_id, theme_id FROM current_assignments") if c in members)
    assert after.most_common(1)[0][0] == a and after[a] >= 0.9 * len(members)


def test_a_pm_split_stays_apart_after_a_full_recluster(store_copy, demo_files):
    db = store_copy
    theme, sub, size = rows(db, """SELECT s.theme_id, s.subtheme_id, s.size FROM current_subthemes s
                                   JOIN current_themes t USING (theme_id) WHERE t.subthemes >= 2
                                   ORDER BY s.size, s.subtheme_id LIMIT 1""")[0]
    members = {c for c, in rows(db, "SELECT comment_id FROM current_assignments WHERE subtheme_id = ?", [sub])}
    theme_edit.split(db, theme, sub, "pm.anna")
    new_id = rows(db, "SELECT theme_id FROM current_subthemes WHERE subtheme_id = ?", [sub])[0][0]
    assert new_id != theme and comments_of(db, new_id) == members
    nightly(str(demo_files.comments), str(db), source_name="demo", mode="full")
    after = Counter(t for c, t in rows(db, "SELECT comment_id, theme_id FROM current_assignments") if c in members)
    assert after.most_common(1)[0][0] == new_id and after[new_id] >= 0.8 * len(members)
    others = comments_of(db, new_id) - members
    assert len(others) <= 0.2 * len(members), "the split theme absorbed other sub-themes"


def closest_to_a_sibling(db) -> tuple[int, int]:
    """(theme, sub-theme) of the published run: the sub-theme most similar to another sub-theme of its theme (the
    one a re-cluster is surest to put back with its siblings; smaller first on a tie)."""
    subs = rows(db, "SELECT s.theme_id, s.subtheme_id, s.size, v.vector FROM current_subthemes s JOIN "
                    "subtheme_centroids v ON v.subtheme_id = s.subtheme_id AND v.run_id = (SELECT max(run_id) "
                    "FROM published)")
    best = max(((max(float(np.dot(v, w)) for t2, s2, _, w in subs if t2 == t and s2 != s), -size, t, s)
                for t, s, size, v in subs if sum(t2 == t for t2, *_ in subs) >= 2))
    return best[2], best[3]


def test_a_theme_a_recluster_would_swallow_keeps_its_id_status_and_comments(store_copy, demo_files):
    """Last run had theme 999, the top theme's smallest sub-theme, with a status of its own. The re-cluster puts its
    comments back into one theme with their old neighbours, which takes the top theme's id and would retire 999
    (a merge in the lineage, its status moved). 999 lives on instead, with its comments and its status, as the
    weekly re-cluster's stable ids need."""
    db = store_copy
    theme, sub = closest_to_a_sibling(db)
    with store.open(db, write=True) as con:
        run = store.scalar(con, "SELECT max(run_id) FROM published")
        members = {c for c, in con.execute("SELECT comment_id FROM assignments WHERE run_id = ? AND subtheme_id = ?",
                                           [run, sub]).fetchall()}
        con.execute("UPDATE assignments SET theme_id = 999 WHERE run_id = ? AND subtheme_id = ?", [run, sub])
        con.execute("INSERT INTO themes SELECT * REPLACE (999 AS theme_id, 'Split off by hand' AS title) FROM themes "
                    "WHERE run_id = ? AND theme_id = ?", [run, theme])
        con.execute("INSERT INTO theme_centroids SELECT * REPLACE (999 AS theme_id) FROM theme_centroids "
                    "WHERE run_id = ? AND theme_id = ?", [run, theme])
        con.execute("UPDATE subthemes SET theme_id = 999 WHERE run_id = ? AND subtheme_id = ?", [run, sub])
        workflow.update(con, 999, "pm.anna", status="planned", note="Fix in 5.3")
    summary = nightly(str(demo_files.comments), str(db), source_name="demo", mode="full")
    assert summary["revived_themes"] >= 1  # the re-cluster did swallow it: this test is about that case
    after = Counter(t for c, t in rows(db, "SELECT comment_id, theme_id FROM current_assignments") if c in members)
    assert after[999] >= 0.8 * len(members)
    assert rows(db, "SELECT count(*) FROM theme_lineage WHERE parent_id = 999") == [(0,)]
    assert rows(db, "SELECT count(*) FROM current_themes WHERE theme_id = 999") == [(1,)]  # published whole:
    assert rows(db, "SELECT count(*) FROM theme_centroids WHERE theme_id = 999 "  # a centroid for the nights,
                    "AND run_id = (SELECT max(run_id) FROM published)") == [(1,)]
    subs = rows(db, "SELECT subtheme_id, theme_id FROM current_subthemes")
    own = {s for s, t in subs if t == 999}  # and sub-themes of its own, with ids no other theme uses
    assert own and all(t == 999 for s, t in subs if s in own)
    assert {s for s, in rows(db, "SELECT subtheme_id FROM current_assignments WHERE theme_id = 999")} <= own
    with store.open(db) as con:
        assert workflow.current(con, 999).status == "planned"
        assert "#999" not in (workflow.current(con, theme).note or "")


def test_an_edit_keeps_the_model_and_sentiment_so_the_next_night_continues(two_themes, demo_files, tmp_path):
    from voc.cli.common import sentiment_summary

    db, a, b = two_themes
    theme_edit.merge(db, a, b, "pm.anna")
    full, edit = (json.loads(rows(db, "SELECT stats FROM runs WHERE mode = ?", [mode])[0][0])
                  for mode in ("full", "edit"))
    assert edit["embed"]["model_name"] == full["embed"]["model_name"]  # the model it continues, not the setting
    assert edit["sentiment"]["method"] == full["sentiment"]["method"] and "kept from run" in sentiment_summary(edit)
    with open(demo_files.comments, encoding="utf-8", newline="") as fh:
        header, first = list(csv.reader(fh))[:2]
    newest = max(r[0] for r in rows(db, "SELECT max(created_at) FROM comments"))
    first[header.index("comment_id")], first[header.index("created_at")] = "after-merge-1", str(newest)[:19]
    new = tmp_path / "new.csv"
    with open(new, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, first])
    summary = nightly(str(new), str(db), source_name="demo")
    assert summary["mode"] == "incremental", summary["reason"]
    assert full["sentiment"]["holdout_accuracy"] is not None  # the demo's CSAT/NPS labels: a learned head
    assert summary["sentiment"]["holdout_accuracy"] == full["sentiment"]["holdout_accuracy"]  # the full run measured it
    assert summary["sentiment"]["method"] == full["sentiment"]["method"]  # and decided
    assert "measured by run" in sentiment_summary(summary)


def test_rename_is_unique_and_checked(two_themes):
    db, a, b = two_themes
    theme_edit.rename(db, a, "Refunds take weeks", "pm.anna")
    with store.open(db) as con:
        assert workflow.title(con, a) == "Refunds take weeks"
    with pytest.raises(TransitionError, match="already called"):
        theme_edit.rename(db, b, "refunds take WEEKS", "pm.bob")
    with pytest.raises(NotFoundError):
        theme_edit.merge(db, a, 99999, "pm.anna")
    with pytest.raises(TransitionError):
        theme_edit.merge(db, a, a, "pm.anna")
    assert rows(db, "SELECT kind, title FROM theme_overrides") == [("rename", "Refunds take weeks")]


def test_scores_and_impact_are_stored_per_theme(published_db):
    db, _ = published_db
    theme_id, nps, impact = rows(db, "SELECT theme_id, nps, nps_impact FROM current_themes WHERE nps IS NOT NULL "
                                     "ORDER BY rank LIMIT 1")[0]
    ratings = [r for r, in rows(db, "SELECT nps FROM current_assignments WHERE theme_id = ? AND nps IS NOT NULL",
                                [theme_id])]
    expected = 100 * (sum(r >= 9 for r in ratings) - sum(r <= 6 for r in ratings)) / len(ratings)
    assert nps == pytest.approx(expected, abs=0.05)
    everyone = [r for r, in rows(db, "SELECT nps FROM current_assignments WHERE nps IS NOT NULL")]
    rest = [r for r, in rows(db, "SELECT nps FROM current_assignments WHERE nps IS NOT NULL AND theme_id <> ?",
                             [theme_id])]
    score = lambda rs: 100 * (sum(r >= 9 for r in rs) - sum(r <= 6 for r in rs)) / len(rs)  # noqa: E731
    assert impact == pytest.approx(score(rest) - score(everyone), abs=0.01)
    assert json.loads(rows(db, "SELECT stats FROM runs WHERE status = 'succeeded'")[0][0])["subthemes"] > 0


def _publish_copy(con, run: int, of_run: int, mode: str, new_theme: int | None = None, status: str = "succeeded"):
    """Run `run` (`mode`) publishing run `of_run`'s themes, plus one theme `new_theme` when given."""
    con.execute("INSERT INTO runs SELECT * REPLACE (? AS run_id, ? AS mode, ? AS status) FROM runs WHERE run_id = "
                "(SELECT min(run_id) FROM runs)", [run, mode, status])
    if status != "succeeded":
        return
    con.execute("INSERT INTO themes SELECT * REPLACE (? AS run_id) FROM themes WHERE run_id = ?", [run, of_run])
    if new_theme is not None:
        con.execute("INSERT INTO themes SELECT * REPLACE (? AS run_id, ? AS theme_id) FROM themes WHERE run_id = ? "
                    "LIMIT 1", [run, new_theme, of_run])
    con.execute("UPDATE published SET run_id = ? WHERE name = 'themes'", [run])


def test_a_theme_a_night_found_is_provisional_until_a_full_run_or_a_pm_confirms_it(store_copy):
    """A re-cluster may merge a theme a night found (two nights can find one new problem twice, in German and in
    English); `load_previous` tells those apart from the themes a full run found or a PM acted on, which a
    re-cluster never retires on its own."""
    with store.open(store_copy, write=True) as con:
        run = store.published_run(con)
        _publish_copy(con, run + 1, run, "incremental", new_theme=999)
        assert load_previous(con, []).provisional == {999}
        _publish_copy(con, run + 2, run + 1, "edit", new_theme=998)  # a PM's split: 998 was never provisional
        assert load_previous(con, []).provisional == {999}
        _publish_copy(con, run + 3, run + 2, "full")
        _publish_copy(con, run + 4, run + 3, "full", status="failed")  # a failed re-cluster confirms nothing away
        assert load_previous(con, []).provisional == set()
        _publish_copy(con, run + 5, run + 3, "incremental", new_theme=997)
        assert load_previous(con, []).provisional == {997}
        workflow.update(con, 997, "pm.anna", owner="payments")
        assert load_previous(con, []).provisional == set()
