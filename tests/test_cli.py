"""The `voc` command: every command on a real store, and bad input as one clear line + exit code."""

import csv
import json
import logging
import os
import re
import subprocess
import sys

import duckdb
import pyarrow.parquet as pq
from dbutil import rows
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_every_command_has_help_with_an_example():
    for cmd in (["run"], ["themes"], ["export", "themes"], ["export", "assignments"], ["export", "trends"],
                ["export", "segments"], ["report"], ["quarantine"], ["demo"], ["segments"], ["status"], ["handoff"],
                ["agent"], ["notify"]):
        result = invoke(*cmd, "--help")
        assert result.exit_code == 0 and "Example: voc" in result.output, cmd


def _command_paths(group, path=()):
    for name, command in group.commands.items():
        yield (*path, name)
        if hasattr(command, "commands"):
            yield from _command_paths(command, (*path, name))


def test_help_shows_flags_as_flags_and_arguments_by_name():
    """A flag takes no value, so its help shows none (typer 0.29 wrote `--json <bool>`, `--help <bool>`); an
    argument reads THEME_ID in the usage line, not `{theme_id}`."""
    from typer.main import get_command

    paths = [()] + list(_command_paths(get_command(app)))
    assert ("theme", "show") in paths and ("export", "themes") in paths and len(paths) > 20
    for path in paths:
        result = invoke(*path, "--help")
        assert result.exit_code == 0, path
        assert "<bool>" not in result.output and "--help " in result.output, (path, result.output)
        usage = next(line for line in result.output.splitlines() if "Usage:" in line)
        assert "{" not in usage, (path, usage)
    for path, usage in ((("status",), "[OPTIONS] THEME_ID"), (("sentiment", "set"), "[OPTIONS] COMMENT_ID LABEL")):
        assert usage in invoke(*path, "--help").output, path
    assert "Missing argument 'THEME_ID'" in invoke("status").output


def test_help_paragraphs_have_no_hard_line_breaks():
    """Typer keeps a line break inside a help paragraph (but the first's on the command's own page), so a sentence
    broken in the source reads broken in `voc --help` at any width (walkthrough 5a F13): one line per paragraph."""
    import inspect

    from typer.main import get_command

    root = get_command(app)
    for path in [()] + list(_command_paths(root)):
        command = root
        for name in path:
            command = command.commands[name]
        for paragraph in inspect.cleandoc(command.help or "").split("\n\n"):
            assert "\n" not in paragraph, (path, paragraph)


def test_commands_start_without_importing_the_pipeline():
    """`voc --help`, `voc themes` and the other read commands should start in about a second: Prefect, sklearn
    and scipy.stats (~3 s to import) are imported only by the commands that run or edit the pipeline."""
    probe = "import sys, flows.cli; print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'sklearn', " \
            "'hdbscan', 'umap'}), 'scipy.stats' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["[]", "False"], result.stdout + result.stderr


def test_themes_table_and_json(published_db):
    db, summary = published_db
    result = invoke("themes", "--db", db, "--limit", 3)
    assert result.exit_code == 0 and "Themes (run" in result.output
    result = invoke("themes", "--db", db, "--json")
    assert result.exit_code == 0 and '"rank": 1' in result.output


def test_export_assignments_csv_and_themes_parquet(published_db, tmp_path):
    db, summary = published_db
    out = tmp_path / "assignments.csv"
    assert invoke("export", "assignments", "--db", db, "--format", "csv", "--out", out).exit_code == 0
    with out.open() as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["comment_id", "theme_id", "theme_title", "subtheme_id", "subtheme_title",
                                     "sentiment", "sentiment_score", "sentiment_origin", "source"]  # as documented
        assert {row["sentiment_origin"] for row in csv.DictReader(out.open())} <= {"human", "score", "model",
                                                                                   "lexicon"}
        exported = list(reader)
    assert len(exported) == summary["comments_clustered"]
    assert {r["sentiment"] for r in exported} <= {"negative", "neutral", "positive"}
    assert all(r["theme_title"] == "unclustered" and r["subtheme_id"] == "-1"
               for r in exported if r["theme_id"] == "-1")
    clustered = [r for r in exported if r["theme_id"] != "-1"]
    assert clustered and all(r["subtheme_id"] != "-1" and r["subtheme_title"] != "unclustered" for r in clustered)
    pq_out = tmp_path / "themes.parquet"
    assert invoke("export", "themes", "--db", db, "--format", "parquet", "--out", pq_out).exit_code == 0
    assert pq.read_table(pq_out).num_rows == summary["themes"]
    bad = invoke("export", "themes", "--db", db, "--format", "xlsx", "--out", tmp_path / "t.xlsx")
    assert bad.exit_code == 2 and "choose csv, excel or parquet" in bad.output


def test_report_and_quarantine(published_db, tmp_path):
    db, _ = published_db
    out = tmp_path / "report.html"
    assert invoke("report", "--db", db, "--out", out).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "Why this rank" in page and "@example" not in page
    result = invoke("quarantine", "--db", db)
    assert result.exit_code == 0 and "gestern" in result.output


def test_run_on_a_new_store_and_bad_inputs(demo_files, tmp_path):
    db = tmp_path / "cli.duckdb"
    result = invoke("run", "--source", demo_files.comments, "--db", db, "--source-name", "demo")
    assert result.exit_code == 0, result.output
    assert "5 quarantined" in result.output and "themes over" in result.output
    missing = invoke("run", "--source", tmp_path / "nope.csv", "--db", db)
    assert missing.exit_code == 2 and "does not exist" in missing.output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    result = invoke("run", "--source", wrong, "--db", db)
    assert result.exit_code == 2 and "lacks required column(s) comment_id, text" in result.output
    result = invoke("themes", "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 3 and "voc demo" in result.output


def test_the_console_script_keeps_exit_codes_and_ends_without_teardown_noise(tmp_path):
    """`voc` as a user runs it (a process of its own): the one-line error and its exit code, then nothing from
    DuckDB's bindings being torn down beside Prefect's threads, nor from Prefect's log workers."""

    def voc_run(source):
        result = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--source", str(source), "--db",
                                 str(tmp_path / "s.duckdb")], capture_output=True, text=True, timeout=300)
        return result.returncode, result.stdout + result.stderr

    code, output = voc_run(tmp_path / "nope.csv")
    assert code == 2 and "does not exist: check the path" in output
    assert "temporary server" not in output  # refused before a flow starts
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    code, output = voc_run(wrong)  # refused inside the flow run
    assert code == 2 and output.count("lacks required column(s)") == 1, output  # said once, by voc, not by Prefect
    assert "nanobind" not in output and "Error logging to API" not in output and "Traceback" not in output
    assert output.strip().splitlines() == [next(line for line in output.splitlines() if line.startswith("error:"))]


PREFECT_CHATTER = ("Starting temporary server", "docs.prefect.io", "Beginning flow run", "Finished in state",
                   "Stopping temporary server", "Still processing items")


def test_voc_run_shows_voc_lines_and_prefect_chatter_only_when_verbose(demo_files, tmp_path):
    """~15 Prefect INFO lines a run and its docs link drowned the summary: without --verbose the terminal gets
    voc's lines (progress, summary, errors) and Prefect's warnings and errors only."""

    def voc(*args):
        result = subprocess.run([sys.executable, "-m", "flows.cli", "run", *map(str, args)], capture_output=True,
                                text=True, timeout=600)
        return result.returncode, result.stdout + result.stderr

    small = tmp_path / "small.csv"
    small.write_text("".join(open(demo_files.comments, encoding="utf-8").readlines()[:80]), encoding="utf-8")
    code, output = voc("--source", small, "--db", tmp_path / "s.duckdb")
    assert code == 0, output
    assert not [c for c in PREFECT_CHATTER if c in output], output
    assert re.search(r"\| voc - embedding: \d+/\d+$", output, re.M) and "run 1: read 79 rows" in output, output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    code, output = voc("--source", wrong, "--db", tmp_path / "w.duckdb", "--verbose")
    assert code == 2 and "lacks required column(s)" in output
    assert all(c in output for c in PREFECT_CHATTER[:5]), output
    from flows.cli import _PrefectChatterHidden

    shown = {(name, level): _PrefectChatterHidden().filter(logging.LogRecord(name, level, "", 0, "m", (), None))
             for name in ("prefect", "prefect.flow_runs", "EventsWorker", "voc")
             for level in (logging.INFO, logging.WARNING, logging.ERROR)}
    assert [k for k, v in shown.items() if not v] == [("prefect", logging.INFO), ("prefect.flow_runs", logging.INFO),
                                                      ("EventsWorker", logging.INFO),
                                                      ("EventsWorker", logging.WARNING)]  # "Still processing items"


def test_trends_segments_and_the_loop_commands(store_copy, tmp_path):
    result = invoke("themes", "--db", store_copy, "--since", "7d")
    assert result.exit_code == 0 and "Themes over the 7 days up to" in result.output
    assert "not over yet" not in result.output  # the demo's last day is over: the run read it afterwards
    with duckdb.connect(str(store_copy)) as con:  # a run at 11:05 on the newest comment's day: that day goes on
        con.execute("UPDATE runs SET started_at = (SELECT max(created_at)::DATE FROM comments) + INTERVAL 11 HOUR "
                    "+ INTERVAL 5 MINUTE WHERE status = 'succeeded'")
        con.execute("UPDATE comments SET created_at = created_at::DATE + INTERVAL 9 HOUR "
                    "WHERE created_at::DATE = (SELECT max(created_at)::DATE FROM comments)")
    result = invoke("themes", "--db", store_copy, "--since", "7d", "--limit", "3")
    assert "the last day to 11:05, not over yet" in " ".join(result.output.split()), result.output
    assert invoke("themes", "--db", store_copy, "--since", "soon").exit_code == 2
    with duckdb.connect(str(store_copy)) as con:  # a problem fixed a week ago: its comments stopped 8 days back
        quiet, = con.execute("SELECT theme_id FROM current_themes ORDER BY size LIMIT 1").fetchone()
        con.execute("UPDATE comments SET created_at = (SELECT max(created_at) FROM comments) - INTERVAL 8 DAY "
                    "WHERE comment_id IN (SELECT comment_id FROM current_assignments WHERE theme_id = ?)", [quiet])
    result = invoke("themes", "--db", store_copy, "--since", "7d", "--json", "--limit", "500")
    shown = {r["theme_id"]: r for r in json.loads(result.output)}
    assert shown[quiet]["volume"] == 0 and shown[quiet]["volume_before"] > 0, shown.get(quiet)
    assert shown[quiet]["mean_sentiment"] is None and list(shown)[-1] == quiet  # quiet themes last
    assert invoke("themes", "--db", store_copy, "--since", "7d", "--limit", "500").exit_code == 0  # its sent is "-"
    result = invoke("segments", "--db", store_copy, "--by", "channel")
    assert result.exit_code == 0 and "phone" in result.output
    assert "choose channel, product, team, language" in invoke("segments", "--db", store_copy, "--by", "x").output
    for what in ("trends", "segments"):
        result = invoke("export", what, "--db", store_copy, "--format", "parquet",
                        "--out", tmp_path / f"{what}.parquet")
        assert result.exit_code == 0 and pq.read_table(tmp_path / f"{what}.parquet").num_rows > 0
    theme = invoke("themes", "--db", store_copy, "--json").output.split('"theme_id": ')[1].split(",")[0]
    result = invoke("status", theme, "--db", store_copy, "--set", "planned", "--owner", "payments",
                    "--note", "Ships in 5.3", "--by", "anna")
    assert result.exit_code == 0 and "agent notification(s) queued" in result.output
    result = invoke("status", theme, "--db", store_copy)
    assert "planned, owner payments" in result.output and "new → planned" in result.output
    result = invoke("agent", "A01", "--db", store_copy, "--format", "json")
    assert result.exit_code == 0 and '"agent_id": "A01"' in result.output
    filed = rows(store_copy, "SELECT count(*) FROM current_assignments WHERE agent_id = 'A01'")[0][0]
    result = invoke("agent", "A01", "--db", store_copy, "--limit", "2", "--peek")
    assert result.exit_code == 0 and f"showing the newest 2 of {filed} comments" in result.output
    assert len(re.findall(r"^\W+\d{4}-\d{2}-\d{2} ", result.output, re.M)) == 2  # two rows, each led by its date
    result = invoke("handoff", "--db", store_copy, "--team", "payments", "--out", tmp_path / "h")
    assert result.exit_code == 0 and (tmp_path / "h" / "jira.csv").exists()
    result = invoke("notify", "--db", store_copy)
    assert result.exit_code == 2 and "no notification channel configured" in result.output


def _refused(result, exit_code: int, message: str) -> bool:
    """One clear line and a usage exit code: no exception escaped the command (CliRunner keeps one it caught)."""
    return (result.exit_code == exit_code and message in result.output and "Traceback" not in result.output
            and isinstance(result.exception, SystemExit))


def test_a_count_of_zero_or_less_is_a_usage_error(published_db, demo_files, tmp_path):
    db, _ = published_db
    for args in (["themes"], ["themes", "--json"], ["themes", "--since", "7d"], ["runs"], ["runs", "--json"],
                 ["quarantine"], ["segments"], ["sentiment", "show"]):
        for limit in ("0", "-3"):
            result = invoke(*args, "--db", db, "--limit", limit)
            assert _refused(result, 2, "Invalid value for '--limit'"), (args, result.output)
            assert "greater than or equal to 1" in result.output
    result = invoke("notify", "--db", db, "--webhook", "http://127.0.0.1:9/x", "--attempts", "0")
    assert _refused(result, 2, "Invalid value for '--attempts'"), result.output
    for port in ("0", "70000"):
        assert _refused(invoke("serve", "--db", db, "--port", port), 2, "Invalid value for '--port'")
    result = invoke("run", "--source", demo_files.comments, "--db", tmp_path / "new.duckdb", "--max-text-chars", "0")
    assert _refused(result, 2, "Invalid value for '--max-text-chars'") and not (tmp_path / "new.duckdb").exists()


def test_notification_settings_voc_cannot_use_are_one_line(published_db):
    db, _ = published_db
    for url in ("notaurl", "ftp://files.example/x", "http://", "file:///etc/passwd"):
        result = invoke("notify", "--db", db, "--webhook", url)
        assert _refused(result, 2, f"webhook '{url}' is not an http(s) URL"), (url, result.output, result.exception)
    result = runner.invoke(app, ["notify", "--db", str(db)], env={"VOC_WEBHOOK_URL": "notaurl"})
    assert _refused(result, 2, "webhook 'notaurl' is not an http(s) URL"), result.output
    result = invoke("notify", "--db", db, "--smtp", "mail.example:99999")
    assert _refused(result, 2, "SMTP port 99999 is not a port (1 to 65535)"), result.output
    result = invoke("notify", "--db", db, "--webhook", "http://127.0.0.1:9/x", "--timeout", "-1")
    assert _refused(result, 2, "a timeout of -1 s cannot be waited"), result.output
    fix = ": write it as '{agent_id}@corp.example' (or set VOC_AGENT_EMAIL)"
    for email, said in (("{agentid}@corp.example", "is an address without {agent_id}"),  # walkthrough 5a F16:
                        ("agents@cc.example", "is an address without {agent_id}"),  # said, not echoed as [EMAIL]
                        ("{agent_id}{x}@corp.example", "may name nothing but {agent_id} in braces"),
                        ("{agent_id}.corp.example", "needs an @domain after {agent_id}")):
        result = invoke("notify", "--db", db, "--smtp", "mail.example:25", "--email", email)
        assert _refused(result, 2, f"error: --email {said}{fix}"), (email, result.output)
        assert "[EMAIL]" not in result.output and len(result.output.strip().splitlines()) == 1, result.output



def test_a_missing_or_blank_by_is_a_usage_error_everywhere_it_is_required(store_copy):
    """Walkthrough 5a F6: who makes a change is a missing value (exit 2, README's bad input), not a move the
    workflow refuses (exit 7); where --by is always required, the help marks it so."""
    theme = rows(store_copy, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")[0][0]
    comment = rows(store_copy, "SELECT comment_id FROM current_assignments LIMIT 1")[0][0]
    events = rows(store_copy, "SELECT count(*) FROM theme_events")
    for args, said in ((["status", theme, "--set", "planned"], "error: say who makes the change: pass --by USER"),
                       (["theme", "merge", theme, theme + 1], "error: say who merges: pass --by USER"),
                       (["theme", "split", theme, "--sub", 1], "error: say who splits: pass --by USER"),
                       (["theme", "rename", theme, "New name"], "error: say who renames: pass --by USER"),
                       (["sentiment", "set", comment, "negative"], "error: say who makes the correction: pass --by")):
        blank = invoke(*args, "--by", " ", "--db", store_copy)
        assert _refused(blank, 2, said), (args, blank.exit_code, blank.output)
        missing = invoke(*args, "--db", store_copy)
        assert missing.exit_code == 2, (args, missing.exit_code, missing.output)
        assert said in missing.output or "Missing option '--by'" in missing.output, (args, missing.output)
    for path in (["theme", "merge"], ["theme", "split"], ["theme", "rename"], ["sentiment", "set"]):
        by_line = next(line for line in invoke(*path, "--help").output.splitlines()
                       if " --by " in line and "│" in line)  # the option's row, not the example
        assert "[required]" in by_line, (path, by_line)
    assert rows(store_copy, "SELECT count(*) FROM theme_events") == events  # nothing was changed


def test_an_empty_listing_is_one_line_not_a_table_of_headers(published_db):
    """Walkthrough 5a F4: `voc quarantine --resolved` with none resolved, `voc sentiment show --comment X` with no
    correction of X."""
    db, _ = published_db
    for args, said in ((["quarantine", "--resolved"],
                        "no resolved rows: no quarantined row's comment was stored by a later run"),
                       (["sentiment", "show", "--comment", "C-1042"], "no corrections for C-1042"),
                       (["sentiment", "show"], "no corrections yet")):
        result = invoke(*args, "--db", db)
        assert result.exit_code == 0 and result.output.strip() == said, (args, result.output)
    assert "Quarantined rows" in invoke("quarantine", "--db", db).output  # the demo's 5 bad rows: a table


def test_run_refuses_options_that_do_not_apply_to_the_source(demo_files, published_db, tmp_path):
    db = tmp_path / "new.duckdb"
    folder = tmp_path / "drops"
    folder.mkdir()
    parquet = tmp_path / "c.parquet"
    parquet.write_bytes(b"PAR1")
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("{}\n")
    store_file = published_db[0]
    for source, args, said in (
            (demo_files.comments, ["--table", "x"],
             "--table does not apply to {} (a CSV file): it is for a DuckDB file"),
            (demo_files.comments, ["--query", "SELECT 1"], "--query does not apply to {} (a CSV file)"),
            (folder, ["--table", "x"], "--table does not apply to {} (a folder)"),
            (parquet, ["--encoding", "latin-1"], "--encoding does not apply to {} (a Parquet file): it is for CSV and "
                                                 "JSONL files"),
            (jsonl, ["--delimiter", ";"], "--delimiter does not apply to {} (a JSONL file): it is for CSV files"),
            (store_file, ["--table", "comments", "--delimiter", ";"],
             "--delimiter does not apply to {} (a DuckDB file)")):
        result = invoke("run", "--source", source, "--db", db, *args)
        assert _refused(result, 2, said.format(source)), (args, result.output)
        assert len(result.output.strip().splitlines()) == 1
    assert not db.exists()


def test_piped_output_keeps_every_column_and_honours_columns(published_db):
    """`voc themes` as CI or `| less` sees it: stdout a pipe, not a terminal."""

    db, _ = published_db
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    piped = subprocess.run([sys.executable, "-m", "flows.cli", "themes", "--db", str(db)], capture_output=True,
                           text=True, timeout=300, env=env)
    assert piped.returncode == 0, piped.stderr
    lines = piped.stdout.splitlines()
    header = next(line for line in lines if "title (sub-themes)" in line)
    assert all(f" {col} " in header for col in ("CSAT", "NPS", "trend")), header
    assert any(line.startswith("sentiment: ") and line.endswith("labeled by a person or by CSAT/NPS") for line in lines)
    narrow = subprocess.run([sys.executable, "-m", "flows.cli", "themes", "--db", str(db)], capture_output=True,
                            text=True, timeout=300, env={**env, "COLUMNS": "100"})
    assert narrow.returncode == 0 and max(map(len, narrow.stdout.splitlines())) <= 100


def test_a_reader_that_closes_the_pipe_ends_every_command_quietly_with_141(published_db):
    """`voc report --out - | head`, `voc export ... --out - | head`, `voc themes | head`: the reader leaving is its
    choice, not a bad --out; every command ends the same way, with no message (walkthrough 5a F1)."""
    db, _ = published_db
    for args in (["report", "--out", "-"], ["export", "assignments", "--out", "-"], ["themes"], ["runs", "--json"]):
        proc = subprocess.Popen([sys.executable, "-m", "flows.cli", *args, "--db", str(db)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        proc.stdout.close()  # the reader is gone before the first byte: every write hits a closed pipe
        stderr = proc.communicate(timeout=300)[1].decode()
        assert (proc.returncode, stderr) == (141, ""), (args, proc.returncode, stderr)


def test_a_bad_table_or_query_and_a_store_that_is_not_one_are_one_line_each(demo_files, tmp_path):
    import duckdb

    from voc.errors import SourceError
    from voc.ingest.read import read_source

    src = tmp_path / "crm.duckdb"
    with duckdb.connect(str(src)) as con:
        con.execute("CREATE TABLE notes AS SELECT 'c1' AS comment_id, 'text' AS text")
    for args, said in (({"table": "nosuch"}, "crm.duckdb has no table 'nosuch' (it has: notes); pass one of them "
                                             "with --table"),
                       ({"query": "SELEC * FROM notes"}, '--query is not valid SQL (Parser Error: syntax error at or '
                                                         'near "SELEC")'),
                       ({"query": "SELECT nocol FROM notes"}, "--query cannot be read from")):
        try:
            read_source(src, **args)
            raise AssertionError(f"{args} was read")
        except SourceError as exc:
            assert str(exc).startswith(str(src)) or str(exc).startswith("--query"), str(exc)
            assert said in str(exc) and "\n" not in str(exc) and "^" not in str(exc) and "LINE 1" not in str(exc)
    result = invoke("run", "--source", src, "--table", "nosuch", "--db", tmp_path / "s.duckdb")
    assert _refused(result, 2, "has no table 'nosuch' (it has: notes)"), result.output
    assert "LINE 1" not in result.output and "^^^" not in result.output
    empty = tmp_path / "empty.duckdb"
    empty.write_bytes(b"")
    for not_a_store in (demo_files.comments, empty):
        result = invoke("themes", "--db", not_a_store)
        assert _refused(result, 3, f"no voc store at {not_a_store}: it is not a DuckDB file (is --db right? a store "
                                   "is made by `voc run --source ...` or `voc demo`)"), result.output
        assert len(result.output.strip().splitlines()) == 1 and "Catalog Error" not in result.output


def test_exports_say_which_folders_they_made_and_refuse_a_workbook_name(published_db, tmp_path):
    db, summary = published_db
    out = tmp_path / "new" / "deeper" / "themes.csv"
    result = invoke("export", "themes", "--db", db, "--out", out)
    assert result.exit_code == 0 and out.exists()
    assert f"wrote {summary['themes']} themes to {out} (created the folder {tmp_path / 'new'})" in result.output
    again = invoke("export", "themes", "--db", db, "--out", out)
    assert again.exit_code == 0 and "created the folder" not in again.output  # nothing made this time
    for fmt in ("excel", "csv"):
        for name in ("t.xlsx", "t.XLS", "t.xlsm"):
            result = invoke("export", "themes", "--db", db, "--format", fmt, "--out", tmp_path / name)
            assert _refused(result, 2, "voc writes no Excel workbook"), result.output
            assert f"--format excel --out {tmp_path / name.split('.')[0]}.txt" in result.output
            assert not (tmp_path / name).exists()
    report = tmp_path / "r" / "report.html"
    result = invoke("report", "--db", db, "--out", report)
    assert f"wrote the report to {report} (created the folder {tmp_path / 'r'})" in result.output


def test_a_store_with_no_published_run_says_so(tmp_path):
    from voc import store

    db = tmp_path / "new.duckdb"
    with store.open(db, create=True):
        pass
    said = "no published results yet: run `voc run --source ...` or `voc demo` first"
    for args in (["handoff", "--out", tmp_path / "h"], ["handoff", "--team", "payments", "--out", tmp_path / "h"],
                 ["agent", "A01"], ["agent", "A01", "--peek"], ["status", "1"], ["theme", "show", "1"],
                 ["status", "1", "--set", "under_review", "--by", "pm.anna"]):
        result = invoke(*args, "--db", db)
        assert _refused(result, 3, said), (args, result.output)
        assert "team None" not in result.output and "agent_id column is empty" not in result.output
    assert not (tmp_path / "h").exists()
    result = runner.invoke(app, ["user", "add", "a01", "--role", "agent", "--agent-id", "A01", "--db", str(db)],
                           env={"VOC_PASSWORD": "a long enough password"})
    assert result.exit_code == 0, result.output
    assert "nothing is published yet: run `voc run --source ...` first" in result.output
    assert "agent_id column is empty" not in result.output
