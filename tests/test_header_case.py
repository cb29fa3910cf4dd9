"""Header names in any case (an Excel export's `Comment_ID`, `CSAT`), and the columns voc reads as no field.

A real `voc run` (Typer's runner, a Prefect flow run against the test API) on a real DuckDB file; the reader on real
files.
"""

import json

import pytest
from dbutil import rows
from test_cli_run import demo_rows, invoke

from voc.errors import SourceError
from voc.ingest.read import read_source

EXCEL_HEADER = ["Comment_ID", "Text", "Created_At", "AGENT_ID", "Channel", "Product", "Team", "CSAT", "NPS",
                "Ticket_ID", "Bemerkung"]
FIELDS = ["comment_id", "text", "created_at", "agent_id", "channel", "product", "team", "csat", "nps", "ticket_id"]


def excel_csv(records: list[dict]) -> str:
    """The records as German Excel writes them: `;`, capitalised names, a column voc does not know, and a trailing
    `;` (an unnamed, empty column)."""
    lines = [";".join(EXCEL_HEADER) + ";"]
    lines += [";".join([*(r[f].replace(";", ",") for f in FIELDS), "intern"]) + ";" for r in records]
    return "\n".join(lines) + "\n"


def test_an_excel_export_with_capitalised_names_is_read_whole_and_unknown_columns_are_named(tmp_path, demo_files):
    records = demo_rows(demo_files, 30)
    src, db = tmp_path / "export.csv", tmp_path / "s.duckdb"
    src.write_text(excel_csv(records), encoding="utf-8")
    result = invoke("run", "--source", src, "--db", db)
    assert result.exit_code == 0, result.output
    assert "ignored columns: Bemerkung (voc reads comment_id, text," in result.output
    with_csat = sum(1 for r in records if r["csat"])
    assert with_csat and rows(db, "SELECT count(channel), count(team), count(csat) FROM comments") == [
        (sum(1 for r in records if r["channel"]), sum(1 for r in records if r["team"]), with_csat)]
    stats = json.loads(rows(db, "SELECT stats FROM runs WHERE run_id = 1")[0][0])
    assert stats["ingest"]["ignored_columns"] == "Bemerkung"


def test_two_columns_that_differ_only_in_case_stop_the_read_unless_a_map_chooses(tmp_path):
    src = tmp_path / "two.csv"
    src.write_text("comment_id,Text,TEXT,created_at,agent_id\nc1,eins,zwei,2026-11-02 10:00,A1\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"columns 'TEXT' and 'Text' differ only in case .* --map text=<the one"):
        read_source(src)
    assert read_source(src, {"TEXT": "text"}).rows[0].values["text"] == "zwei"


def test_an_unnamed_column_is_shown_by_its_place(tmp_path):
    src = tmp_path / "unnamed.csv"
    src.write_text("note,,AGENT_ID\nx,y,A1\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"\(it has: \(unnamed column 2\), AGENT_ID, note\)"):
        read_source(src)
