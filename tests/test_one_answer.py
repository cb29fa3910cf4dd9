"""An id or a name the store cannot take gets one answer, the same from every command and page:
an unknown theme id, an unknown agent id (with ids that do exist), a theme name too long or with personal data."""

import html
import re

from typer.testing import CliRunner

from flows.cli import app
from tests.dbutil import rows
from tests.test_web_store_busy import pm_app, pm_store  # noqa: F401  (a fixture)
from voc import store
from voc.errors import ThemeNotFoundError
from voc.pm import corrections
from voc.pm.workflow import MAX_NAME_CHARS

runner = CliRunner()
UNKNOWN = 999999


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def top_theme(db) -> tuple[int, str]:
    return rows(db, "SELECT theme_id, display_title FROM current_themes ORDER BY rank LIMIT 1")[0]


def test_an_unknown_theme_id_is_the_same_error_from_every_command(store_copy):
    said = str(ThemeNotFoundError(UNKNOWN))
    assert said.startswith(f"no theme {UNKNOWN} in the published results") and "voc themes" in said
    top, _ = top_theme(store_copy)
    for args in (["segments", "--theme", UNKNOWN], ["segments", "--theme", UNKNOWN, "--by", "team"],
                 ["theme", "show", UNKNOWN], ["theme", "show", UNKNOWN, "--json"], ["status", UNKNOWN],
                 ["status", UNKNOWN, "--set", "planned", "--by", "anna"],
                 ["theme", "rename", UNKNOWN, "X", "--by", "anna"],
                 ["theme", "merge", top, UNKNOWN, "--by", "anna"], ["theme", "merge", UNKNOWN, top, "--by", "anna"],
                 ["theme", "split", UNKNOWN, "--sub", 1, "--by", "anna"]):
        result = invoke(*args, "--db", store_copy)
        assert result.exit_code == 6 and result.output.strip() == f"error: {said}", (args, result.output)
    assert invoke("segments", "--theme", top, "--db", store_copy).exit_code == 0
    with store.open(store_copy, write=True) as con:
        source, comment_id = con.execute("SELECT source, comment_id FROM current_assignments LIMIT 1").fetchone()
        try:
            corrections.correct(con, source, comment_id, "anna", theme_id=UNKNOWN)
            raise AssertionError("a comment was moved to a theme that does not exist")
        except ThemeNotFoundError as exc:
            assert str(exc) == said


def test_an_unknown_agent_id_names_ids_that_exist(store_copy):
    agents = {r[0] for r in rows(store_copy, "SELECT DISTINCT agent_id FROM current_assignments "
                                                "WHERE agent_id IS NOT NULL")}
    result = invoke("agent", "NOPE", "--db", store_copy)
    assert result.exit_code == 6 and "voc export assignments" not in result.output
    line = result.output.strip()
    assert "no comments from agent 'NOPE'" in line and "the source's agent_id column" in line, line
    named = re.search(r"the store has (\d+), e\.g\. (.+)$", line)
    assert named and int(named.group(1)) == len(agents)
    shown = named.group(2).split(", ")
    assert len(shown) == min(5, len(agents)) and set(shown) <= agents, (shown, agents)
    near = sorted(agents)[0]
    assert invoke("agent", near.lower() + "x", "--db", store_copy).output.split("e.g. ")[1].startswith(near)


def test_a_theme_name_is_at_most_the_limit_and_is_echoed_as_stored(store_copy):
    top, title = top_theme(store_copy)
    long = "Refunds " * 40
    for args in (["theme", "rename", top, long], ["status", top, "--name", long]):
        result = invoke(*args, "--by", "anna", "--db", store_copy)
        assert result.exit_code == 2 and result.output.strip() == (
            f"error: a theme name may have at most {MAX_NAME_CHARS} characters, this one has {len(long.strip())}: "
            "shorten it (it is a title in tables, charts and the Jira Summary; the note can say more)"), result.output
    assert top_theme(store_copy) == (top, title)
    result = invoke("theme", "rename", top, "Rückruf an Herr Müller", "--by", "anna", "--db", store_copy)
    assert result.exit_code == 0 and result.output.strip() == f"theme {top}: {title} → Rückruf an Herr [NAME]"
    assert rows(store_copy, "SELECT display_title FROM current_themes WHERE theme_id = ?", [top]) == [
        ("Rückruf an Herr [NAME]",)]
    assert "Müller" not in str(rows(store_copy, "SELECT * FROM theme_overrides"))
    exact = "x" * MAX_NAME_CHARS
    assert invoke("theme", "rename", top, exact, "--by", "anna", "--db", store_copy).exit_code == 0


def test_the_web_app_gives_the_same_answers(pm_store):  # noqa: F811
    db = pm_store
    top, title = top_theme(db)
    with pm_app(db) as (client, token, _):
        page = client.get(f"/themes/{UNKNOWN}")
        assert page.status_code == 404 and str(ThemeNotFoundError(UNKNOWN)) in page.text
        for action, form in (("rename", {"name": "X"}), ("split", {"subtheme_id": "1"}), ("merge", {"into": str(top)}),
                             ("status", {"status": "planned"})):
            r = client.post(f"/themes/{UNKNOWN}/{action}", data={"csrf": token, **form})
            assert r.status_code == 404 and str(ThemeNotFoundError(UNKNOWN)) in r.text, action
        agent = client.get("/agent/NOPE")
        assert agent.status_code == 404 and "the source&#39;s agent_id column" in agent.text
        assert "voc export assignments" not in agent.text
        r = client.post(f"/themes/{top}/rename", data={"csrf": token, "name": "Refunds " * 40})
        assert r.status_code == 303
        shown = client.get(f"/themes/{top}").text
        assert f"may have at most {MAX_NAME_CHARS} characters" in shown
    assert top_theme(db) == (top, title)


def test_a_theme_name_must_say_something_and_be_no_other_themes_title_on_every_path(pm_store):  # noqa: F811
    db = pm_store
    (top, title), (second, other) = rows(db, "SELECT theme_id, display_title FROM current_themes ORDER BY rank LIMIT 2")
    empty = 'error: the new name is empty: pass a name such as "Refunds take weeks"'
    taken = f"error: theme {second} is already called {other.upper()!r}: choose another name"
    for args in (["theme", "rename", top], ["status", top, "--name"]):
        for name, said in (("   ", empty), (other.upper(), taken)):
            result = invoke(*args, name, "--by", "anna", "--db", db)
            assert result.exit_code == 7 and result.output.strip() == said, (args, name, result.output)
    with pm_app(db) as (client, token, _):
        for name, said in (("  ", empty), (other.upper(), taken)):
            assert client.post(f"/themes/{top}/rename", data={"csrf": token, "name": name}).status_code == 303
            shown = client.get(f"/themes/{top}").text
            assert (f"Rename of theme {top} was refused: "
                    + said.removeprefix("error: ").replace("'", "&#39;").replace('"', "&#34;") in shown), name
        assert client.post(f"/themes/{top}/rename",
                           data={"csrf": token, "name": "Refunds take weeks"}).status_code == 303
    assert top_theme(db) == (top, "Refunds take weeks")
    # the app's rename is the CLI's: in the history and among the PM's decisions that later runs keep
    assert rows(db, "SELECT kind, theme_id, title, created_by FROM theme_overrides") == [
        ("rename", top, "Refunds take weeks", "anna")]


def test_an_address_or_value_the_app_cannot_read_gets_its_error_page_not_json(pm_store):  # noqa: F811
    with pm_app(pm_store) as (client, token, _):
        for path, status, said in (("/nope", 404, "there is no page at /nope: start from the themes page"),
                                   ("/themes/abc", 400, "theme_id &#39;abc&#39; cannot be used here: input should be "
                                                        "a valid integer"),
                                   ("/themes?page=x", 200, "Themes"),
                                   (f"/themes/{top_theme(pm_store)[0]}?page=x", 200, "Page 1 of")):
            r = client.get(path)
            assert r.status_code == status and said in r.text and r.headers["content-type"].startswith("text/html"), \
                (path, r.status_code, r.text[:200])
        r = client.post(f"/themes/{top_theme(pm_store)[0]}/merge", data={"csrf": token})  # no theme to merge into
        assert r.status_code == 400 and "choose the theme this one is the same problem as" in r.text, r.text[:300]


def test_a_bad_value_is_400_naming_the_field_and_what_it_may_be(pm_store):  # noqa: F811
    """README: a bad value is 400 (a refused transition 409). The answer names the field and the values it takes,
    from the app and the CLI alike, and nothing is queued."""
    db = pm_store
    top, _ = top_theme(db)
    statuses = "use one of new, under review, planned, in progress, done or declined"
    comment = rows(db, "SELECT source, comment_id FROM current_assignments WHERE theme_id = ? LIMIT 1", [top])[0]
    with pm_app(db) as (client, token, mirror):
        for form, said in (({"status": "bogus"}, f"status &#39;bogus&#39; is not a status: {statuses}"),
                           ({}, f"status is missing: {statuses}")):
            r = client.post(f"/themes/{top}/status", data={"csrf": token, **form})
            assert r.status_code == 400 and said in r.text, (form, r.status_code, r.text[-600:])
        assert client.post(f"/themes/{top}/status", data={"csrf": token, "status": "done"}).status_code == 409
        fix = {"csrf": token, "source": comment[0], "comment_id": comment[1], "back": str(top)}
        for form, said in (({"sentiment": "angry"}, "sentiment &#39;angry&#39; is not a sentiment: use one of "
                                                    "negative, neutral, positive"),
                           ({"theme_id": "abc"}, "theme_id &#39;abc&#39; is not a theme id")):
            r = client.post("/comments/correct", data={**fix, **form})
            assert r.status_code == 400 and said in r.text, (form, r.text[-600:])
        r = client.post(f"/themes/{top}/rename", data={"csrf": token})
        assert r.status_code == 400 and "the form has no name field: reload the page" in r.text
        assert "field required" not in r.text
        assert mirror.queue.changes() == []
    result = invoke("status", top, "--set", "bogus", "--by", "anna", "--db", db)
    assert result.exit_code == 2 and result.output.strip() == f"error: status 'bogus' is not a status: {statuses}"


def test_a_rename_to_the_name_it_has_says_so_in_rename_terms(pm_store):  # noqa: F811
    db = pm_store
    top, title = top_theme(db)
    said = f"theme {top} is already called {title!r}: nothing to rename"
    with pm_app(db) as (client, token, _):
        client.post(f"/themes/{top}/status", data={"csrf": token, "status": "under_review"})
        assert client.post(f"/themes/{top}/rename", data={"csrf": token, "name": title}).status_code == 303
        shown = client.get(f"/themes/{top}").text
        assert f"Rename of theme {top} was refused: {said}".replace("'", "&#39;") in shown, shown[-3000:]
        assert "with these values" not in shown
    for args in (["theme", "rename", top, title], ["status", top, "--name", title]):
        result = invoke(*args, "--by", "anna", "--db", db)
        assert result.exit_code == 7 and result.output.strip() == f"error: {said}", (args, result.output)
    assert rows(db, "SELECT kind FROM theme_events WHERE theme_id = ?", [top]) == [("status",)]  # no empty rename


def test_a_page_number_out_of_range_shows_the_nearest_page(pm_store):  # noqa: F811
    """?page=999 of a theme with 3 pages is page 3 (its oldest comments), not "Page 999 of 3" with none; 0, -2 and
    x are page 1."""
    db = pm_store
    theme, size = rows(db, "SELECT theme_id, count(*) FROM current_assignments WHERE theme_id >= 0 GROUP BY 1 "
                           "ORDER BY 2 DESC LIMIT 1")[0]
    pages = -(-size // 25)
    assert pages > 1
    oldest = rows(db, "SELECT text FROM current_assignments WHERE theme_id = ? ORDER BY created_at, source DESC, "
                      "comment_id DESC LIMIT 1", [theme])[0][0]
    with pm_app(db) as (client, _, _):
        for asked, shown in (("999", pages), ("99999999999999999999", pages), ("0", 1), ("-2", 1), ("x", 1),
                             (str(pages), pages), ("2", 2)):
            r = client.get(f"/themes/{theme}?page={asked}")
            assert r.status_code == 200 and f"Page {shown} of {pages}" in r.text, (asked, r.status_code)
            assert r.text.count('class="correct"') == (size - 25 * (pages - 1) if shown == pages else 25), asked
        assert html.escape(oldest, quote=False) in client.get(f"/themes/{theme}?page=999").text
