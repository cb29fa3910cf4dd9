import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from voc import store
from voc.config import Settings
from voc.errors import SourceError
from voc.ingest.columns import parse_mapping
from voc.ingest.read import read_source
from voc.ingest.validate import MAX_STORED_CHARS, validate
from voc.pipeline import ingest
from voc.runs import start_run

HEADER = "comment_id,text,created_at,agent_id,csat\n"
README = Path(__file__).resolve().parent.parent / "README.md"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_rows_become_comments_and_bad_rows_get_reasons(tmp_path):
    src = write(tmp_path / "drop.csv", HEADER + "\n".join([
        "1,Paket beschädigt,2026-11-01 10:00,A1,2",
        "2,,2026-11-01 10:00,A1,",
        "3,refund missing,yesterday,A1,",
        "4,refund missing,2026-11-01,A1,9",
        "5,refund missing,2026-11-01,,3",
        "1,duplicate id,2026-11-01,A2,",
        "6,Lieferung kam an,02.11.2026 08:15,A3,5",
    ]) + "\n")
    comments, rejected = validate(read_source(src))
    assert [c.comment_id for c in comments] == ["1", "6"]
    assert comments[1].created_at.day == 2 and comments[1].csat == 5
    reasons = {r.where: r.reason for r in rejected}  # the file's line: the header is line 1
    assert reasons["drop.csv line 3"] == "text is missing"
    assert "created_at 'yesterday' is not a date" in reasons["drop.csv line 4"]
    assert "csat '9' is out of range" in reasons["drop.csv line 5"]
    assert reasons["drop.csv line 6"] == "agent_id is missing"
    assert reasons["drop.csv line 7"] == "comment_id '1' repeats line 2 of this input"


def test_quarantine_reasons_name_the_line_an_editor_shows(tmp_path):
    """Line numbers count the header, blank lines and every line of a quoted field that spans several."""
    src = tmp_path / "bad.csv"
    src.write_bytes(("comment_id,text,created_at,agent_id\r\n"               # line 1
                     '"X-1","Paket kam nicht an,\r\nzweite Zeile\r\n",2026-11-01,A1\r\n'  # lines 2-4
                     "\r\n"                                                  # line 5, blank
                     "X-2,,2026-11-01,A1\r\n"                                # line 6
                     "X-3,\"noch eine\nZeile\",gestern,A1\n"                 # lines 7-8
                     "X-1,doppelt,2026-11-01,A1\r\n").encode())             # line 9
    cfg = Settings(db=tmp_path / "voc.duckdb")
    ingest(cfg, start_run(cfg, "t"), read_source(src, name="t"))
    with store.open(cfg.db) as con:
        reasons = [r for r, in con.execute("SELECT reason FROM quarantine ORDER BY row_number").fetchall()]
    assert reasons == ["bad.csv line 6: text is missing",
                       "bad.csv line 7: created_at 'gestern' is not a date (use ISO 8601, e.g. 2026-11-02 14:30)",
                       "bad.csv line 9: comment_id 'X-1' repeats line 2 of this input"]


def test_jsonl_lines_table_rows_and_repeats_across_files_are_named(tmp_path):
    folder = tmp_path / "drops"
    folder.mkdir()
    record = {"comment_id": "j1", "text": "charged twice", "created_at": "2026-11-01", "agent_id": "A1"}
    (folder / "a.jsonl").write_text(json.dumps(record) + "\n\n" + json.dumps({**record, "comment_id": ""}) + "\n")
    (folder / "b.csv").write_text(HEADER + "j2,ok,2026-11-01,A1,\nj1,again,2026-11-01,A1,\n")
    pq.write_table(pa.table({"comment_id": ["p1", "p2"], "text": ["ok", ""], "created_at": ["2026-11-02"] * 2,
                             "agent_id": ["A2"] * 2}), folder / "c.parquet")
    rejected = validate(read_source(folder))[1]
    assert [(r.where, r.reason) for r in rejected] == [
        ("a.jsonl line 3", "comment_id is missing"),
        ("b.csv line 3", "comment_id 'j1' repeats a.jsonl line 1 of this input"),
        ("c.parquet row 2", "text is missing")]
    db = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE notes AS SELECT * FROM (VALUES ('d1', 'ok', '2026-11-03', 'A3'), "
                "('d1', 'again', '2026-11-03', 'A3')) t(comment_id, text, created_at, agent_id)")
    con.close()
    assert [r.reason for r in validate(read_source(db, table="notes"))[1]] == [
        "comment_id 'd1' repeats row 1 of this input"]
    assert validate(read_source(db, table="notes"))[1][0].where == "crm.duckdb row 2"


def test_control_characters_from_a_database_source_are_removed_from_the_text(tmp_path):
    """A CRM column can hold NUL, bell or terminal escapes (files with NUL are refused as binary): the comment is
    kept without them, its words and line breaks (as spaces) intact."""
    db = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE notes (comment_id VARCHAR, text VARCHAR, created_at VARCHAR, agent_id VARCHAR)")
    con.execute("INSERT INTO notes VALUES ('d1', ?, '2026-11-03', 'A3')",
                ["Rechnung\x00 doppelt\x07\n\x1b[31mabgebucht\x7f, Kündigung\u0085droht \u202etgnirps\u2066"])
    con.close()
    comments, rejected = validate(read_source(db, table="notes"))
    assert not rejected and comments[0].text == "Rechnung doppelt [31mabgebucht, Kündigung droht tgnirps"
    # a right-to-left override (walkthrough 3b F11) showed "springt" where the text holds "tgnirps"


def test_long_text_is_kept_and_marked_and_broken_bytes_are_quarantined(tmp_path):
    good = HEADER + "".join(f"{i},ok text {i} für Sie,2026-11-01,A1,\n" for i in range(20))  # UTF-8 umlauts
    raw = good.encode() + b"99,caf\xe9 kaputt,2026-11-01,A1,\n100," + b"x" * 6000 + b",2026-11-01,A1,\n"
    src = tmp_path / "mixed.csv"
    src.write_bytes(raw)
    comments, rejected = validate(read_source(src))
    assert len(comments) == 21 and len(rejected) == 1
    assert rejected[0].reason.startswith("broken encoding in text (not valid UTF-8, but reads as Windows-1252)")
    assert "--encoding cp1252" in rejected[0].reason
    long = comments[-1]
    assert len(long.text) == 6000 and long.truncated and not comments[0].truncated
    assert not validate(read_source(src), max_text_chars=7000)[0][-1].truncated  # the limit is a setting


def test_a_text_over_the_stored_limit_is_quarantined_as_the_readme_says(tmp_path):
    """README's input contract: `text` up to MAX_STORED_CHARS characters after whitespace is collapsed; longer is
    quarantined with its length (a 10 MB cell is a document dump, not a comment)."""
    pairs = MAX_STORED_CHARS // 2 - 1
    at_limit = "x  " * pairs + "xx"  # 1.5 M characters as written, MAX_STORED_CHARS once its double spaces are one
    over = "x " * (pairs + 1) + "x"  # MAX_STORED_CHARS + 1
    src = write(tmp_path / "long.csv", HEADER + f"1,{at_limit},2026-11-01,A1,\n2,{over},2026-11-01,A1,\n")
    comments, rejected = validate(read_source(src))
    assert [len(c.text) for c in comments] == [MAX_STORED_CHARS]
    assert [r.reason for r in rejected] == [
        f"text is {MAX_STORED_CHARS + 1} characters, more than the {MAX_STORED_CHARS} a comment may have"]
    contract = next(line for line in README.read_text().splitlines() if line.startswith("| `text` |"))
    assert f"up to {MAX_STORED_CHARS:,} characters" in contract and "quarantined" in contract

def test_file_in_wrong_encoding_is_refused_with_advice(tmp_path):
    rows = "".join(f"{i},Grüße aus Köln {i},2026-11-01,A1,\n" for i in range(30))
    src = write(tmp_path / "latin.csv", HEADER + rows, encoding="latin-1")
    with pytest.raises(SourceError, match="Windows-1252.*30 of 30 rows hold .*--encoding cp1252"):
        read_source(src)
    mixed = tmp_path / "mixed.csv"  # one UTF-8 row: not all Windows-1252, but mostly undecodable
    mixed.write_bytes(src.read_bytes() + "99,Grüße aus Köln,2026-11-01,A1,\n".encode())
    with pytest.raises(SourceError, match="30 of 31 rows cannot be decoded.*--encoding cp1252"):
        read_source(mixed)
    comments, _ = validate(read_source(src, encoding="latin-1"))
    assert comments[0].text == "Grüße aus Köln 0"


def test_column_mapping_and_missing_columns(tmp_path):
    src = write(tmp_path / "crm.csv", "id,comment_body,ts,agent\n7,App stürzt ab,2026-11-01,A9\n")
    with pytest.raises(SourceError, match="lacks required column"):
        read_source(src)
    batch = read_source(src, parse_mapping(["comment_id=id", "text=comment_body", "created_at=ts", "agent_id=agent"]))
    comments, rejected = validate(batch)
    assert comments[0].text == "App stürzt ab" and not rejected
    with pytest.raises(SourceError, match="FIELD=COLUMN"):
        parse_mapping(["text"])


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        read_source(tmp_path / "nope.csv")
    with pytest.raises(SourceError, match="is empty"):
        read_source(write(tmp_path / "empty.csv", ""))


def test_jsonl_parquet_folder_and_duckdb_sources(tmp_path):
    folder = tmp_path / "drops"
    folder.mkdir()
    record = {"comment_id": "j1", "text": "charged twice", "created_at": "2026-11-01T09:00:00Z", "agent_id": "A1"}
    (folder / "a.jsonl").write_text(json.dumps(record) + "\n{not json\n", encoding="utf-8")
    pq.write_table(pa.table({"comment_id": ["p1"], "text": ["Rechnung falsch"], "created_at": ["2026-11-02"],
                             "agent_id": ["A2"], "nps": [3]}), folder / "b.parquet")
    comments, rejected = validate(read_source(folder))
    assert [c.comment_id for c in comments] == ["j1", "p1"] and comments[1].nps == 3
    assert rejected[0].file == "a.jsonl" and "invalid JSON" in rejected[0].reason

    db = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE notes AS SELECT 'd1' AS comment_id, 'Hotline besetzt' AS text, "
                "TIMESTAMP '2026-11-03 10:00' AS created_at, 'A3' AS agent_id")
    con.close()
    assert validate(read_source(db, table="notes"))[0][0].comment_id == "d1"
    assert validate(read_source(db, query="SELECT * FROM notes"))[0][0].text == "Hotline besetzt"
    with pytest.raises(SourceError, match="exactly one of --table"):
        read_source(db)


SWALLOW_HEADER = "comment_id,text,created_at,agent_id\n"


def test_an_unclosed_quote_that_swallows_rows_is_quarantined_with_where_it_opens_and_closes(tmp_path):
    """A cut or damaged export: the quote opened on line 4 is closed only on line 9, so lines 5-9 (five rows) went
    into one field. The row says so (not 'created_at ... is not a date'), and the summary counts lines vs rows."""
    good = [f"c{i},App stürzt ab {i},2026-11-10 10:00,A07\n" for i in range(1, 9)]
    text = (SWALLOW_HEADER + "".join(good[:2]) + 'x999,"Kunde sagt: App geht nicht,2026-11-15 10:00,A07\n'
            + "".join(good[2:6]) + 'c7,Kunde sagt "schlimm",2026-11-10 10:00,A07\n' + "".join(good[7:]))
    path = tmp_path / "cut.csv"
    path.write_text(text, encoding="utf-8")
    batch = read_source(path)
    comments, rejected = validate(batch)
    assert [r.line for r in batch.rows] == [2, 3, 4, 10]
    assert len(rejected) == 1 and rejected[0].where == "cut.csv line 4"
    assert rejected[0].reason.startswith("a quote opened on this line is not closed until line 9; 5 following lines "
                                         "(5 of them like rows of this file) were read into this field: fix the quote")
    assert [c.comment_id for c in comments] == ["c1", "c2", "c8"]
    assert [said for _, said in batch.swallowed] == [
        "cut.csv has 9 data lines but 4 rows were read: an unclosed quote (line 4 took lines 5-9); those lines are "
        "quarantined in one row, not read: fix the quote and run again"]
    cfg = Settings(db=tmp_path / "s.duckdb")
    stats = ingest(cfg, start_run(cfg, "cut"), batch)
    assert stats["swallowed"] == [said for _, said in batch.swallowed]
    assert stats["rows_read"] == stats["new"] + stats["quarantined"] == 4


def test_a_quote_never_closed_says_it_runs_to_the_end_of_the_file(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text(SWALLOW_HEADER + 'c1,"Kunde sagt,2026-11-10 10:00,A07\nc2,ok,2026-11-10 10:00,A07\n',
                    encoding="utf-8")
    (bad,) = validate(read_source(path))[1]
    assert "not closed until the end of the file (line 3); 1 following line (1 of them like rows" in bad.reason


def test_a_note_written_over_several_lines_is_one_valid_row(tmp_path):
    """Agents write notes with line breaks (and commas): those lines are prose, not rows, so the row is read."""
    path = tmp_path / "notes.csv"
    path.write_text(SWALLOW_HEADER + 'c1,"Kunde sagt:\nApp stürzt ab, bitte prüfen\n\nTermin, morgen, 10 Uhr, bitte",'
                    "2026-11-10 10:00,A07\nc2,ok,2026-11-10 10:00,A07\n", encoding="utf-8")
    batch = read_source(path)
    comments, rejected = validate(batch)
    assert not rejected and [c.comment_id for c in comments] == ["c1", "c2"]
    assert comments[0].text.startswith("Kunde sagt: App stürzt ab") and not batch.swallowed
