"""A theme a PM has acted on is known by the title it was acted on under (walkthrough 5b, F-declined-retitled):
re-clusters keep that title, agents read each change under the title it was made under (digest, page, `voc agent`
alike), and a declined theme is no row of the team's Jira CSV. Real stores, real flow runs."""

from dbutil import rows

from flows.nightly import nightly
from voc import store
from voc.pm import workflow

REASON = "Kein Problem: Textbaustein der Agenten"


def published_run(db) -> int:
    return rows(db, "SELECT run_id FROM published WHERE name = 'themes'")[0][0]


def as_if_titled_and_partly_new(db, theme: int, title: str) -> None:
    """The published run titled `theme` `title` and had a third of its comments unclustered: the next re-cluster puts
    them back, so the theme keeps under TITLE_KEPT_SHARE of its comments and its generated title is recomputed."""
    run = published_run(db)
    with store.open(db, write=True) as con:
        con.execute("UPDATE themes SET title = ? WHERE run_id = ? AND theme_id = ?", [title, run, theme])
        con.execute("""UPDATE assignments SET theme_id = -1, subtheme_id = -1 WHERE run_id = ? AND theme_id = ?
                       AND hash(comment_id) % 3 = 0""", [run, theme])


def test_a_theme_a_pm_acted_on_keeps_its_title_through_a_recluster_an_untouched_one_does_not(store_copy, demo_files):
    """The PM declined junk theme #13 under its title; the week-6 re-cluster kept its id and status but changed over
    20% of its comments and re-titled it "Subscription suddenly got more expensive". A declined theme keeps the title
    it was declined under; an untouched theme whose comments changed as much is named anew (today's rule)."""
    db = store_copy
    declined, untouched = [t for t, in rows(db, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 2")]
    as_if_titled_and_partly_new(db, declined, "Kunde droht mit Kündigung")
    as_if_titled_and_partly_new(db, untouched, "Ein alter Titel")
    with store.open(db, write=True) as con:
        workflow.update(con, declined, "pm.anna", status="declined", reason=REASON)
    summary = nightly(str(demo_files.comments), str(db), source_name="demo", mode="full")
    assert summary["mode"] == "full"
    titles = dict(rows(db, "SELECT theme_id, display_title FROM current_themes"))
    assert titles[declined] == "Kunde droht mit Kündigung"
    assert titles[untouched] not in ("Ein alter Titel", None)
    assert rows(db, "SELECT status FROM current_themes WHERE theme_id = ?", [declined]) == [("declined",)]

