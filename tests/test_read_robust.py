"""Real German contact-center exports (walkthrough 4): Windows-1252 without --encoding, files cut mid-row, stray
files in a drop folder, rows of separators only, repeated headers, decimal scores, Excel's .txt. Real files, the
real reader and validator, the real CLI."""

import gzip
import sys
import zipfile

import pytest
from typer.testing import CliRunner

from flows.cli import app
from voc.errors import SourceError
from voc.ingest.read import read_source
from voc.ingest.validate import validate

HEADER = "comment_id;text;created_at;agent_id;channel;product;team;csat;nps;ticket_id\r\n"
GERMAN = ["Kündigung wegen Gebühren", "Rückruf gewünscht, Kunde verärgert", "Preis 12 € zu hoch, Größe falsch"]


def rows(n: int, start: int = 0, german_every: int = 0) -> str:
    """n export rows (CRLF, `;`): every `german_every`-th one with umlauts or €, the rest ASCII."""
    out = []
    for i in range(start, start + n):
        text = GERMAN[i % len(GERMAN)] if german_every and i % german_every == 0 else f"Paket {i} kam nicht an"
        out.append(f"c{i:04d};{text};09.10.2026 07:52;A11;chat;billing;T1;4;9;T-{i}\r\n")
    return "".join(out)


def write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("german_every", [1, 3, 20])
def test_a_windows_1252_file_stops_naming_cp1252_whatever_its_share_of_umlaut_rows(tmp_path, german_every):
    src = write(tmp_path / "de.csv", (HEADER + rows(60, german_every=german_every)).encode("cp1252"))
    bad = len(range(0, 60, german_every))
    with pytest.raises(SourceError, match=f"{bad} of 60 rows hold letters such as .*pass --encoding cp1252"):
        read_source(src)
    comments, rejected = validate(read_source(src, encoding="cp1252"))
    assert len(comments) == 60 and not rejected and comments[0].text == GERMAN[0]


def test_genuinely_broken_bytes_in_a_utf8_file_quarantine_their_row_without_naming_cp1252(tmp_path):
    good = (HEADER + rows(10, german_every=2)).encode()  # UTF-8 umlauts: the file is UTF-8
    broken = b"c0099;Rechnung \xe2\x82 kaputt;09.10.2026 07:52;A11;;;;;;\r\n"  # a cut UTF-8 euro sign
    undefined = b"c0098;Paket \x81 weg;09.10.2026 07:52;A11;;;;;;\r\n"  # 0x81 means nothing in Windows-1252
    comments, rejected = validate(read_source(write(tmp_path / "u.csv", good + broken + undefined)))
    assert len(comments) == 10 and len(rejected) == 2
    assert all(r.reason.startswith("broken encoding in text (not valid in the file's encoding)")
               and "cp1252" not in r.reason for r in rejected), [r.reason for r in rejected]
    # the same two rows in an ASCII file: not Windows-1252 text either, so no file-level stop
    comments, rejected = validate(read_source(write(tmp_path / "a.csv", (HEADER + rows(10)).encode() + broken)))
    assert len(comments) == 10 and len(rejected) == 1


def test_a_file_cut_mid_row_quarantines_its_last_row_as_cut(tmp_path):
    full = HEADER + rows(5)
    cut = full[:full.rindex(";A11;") + len(";A11;chat;b")]  # still being written: no line break at the end
    comments, rejected = validate(read_source(write(tmp_path / "cut.csv", cut.encode())))
    assert [c.comment_id for c in comments] == ["c0000", "c0001", "c0002", "c0003"]
    assert [r.where for r in rejected] == ["cut.csv line 6"]
    assert rejected[0].reason == ("this row has 6 of 10 cells and the file ends without a line break: cut short? "
                                  "export it again")
    # a short row that ends with a line break (a tool leaving out empty trailing cells) is read as before
    short = HEADER + rows(4) + "c0009;Paket fehlt;09.10.2026 07:52;A11\r\n"
    comments, rejected = validate(read_source(write(tmp_path / "short.csv", short.encode())))
    assert len(comments) == 5 and not rejected and comments[-1].channel is None
    # a full last row without a line break is complete
    comments, rejected = validate(read_source(write(tmp_path / "nolf.csv", full.rstrip("\r\n").encode())))
    assert len(comments) == 5 and not rejected


@pytest.mark.parametrize("data, guess", [
    (gzip.compress((HEADER + rows(3)).encode()), "gzip-compressed?"),
    (b"PK\x03\x04" + b"\x00" * 40, "a zip archive or an Excel workbook?"),
    (b"\x00\x01binary lock", "it holds NUL bytes: a binary file?"),
    (bytes(range(256)) * 8, "it holds NUL bytes: a binary file?"),
    (b"\x00\x00\x00\x01" * 100, "it holds NUL bytes: a binary file?"),  # NUL bytes at both parities: not UTF-16
], ids=["gzip", "zip", "excel-owner-file", "binary", "nul-words"])
def test_a_file_that_is_not_text_is_named_so_not_utf16(tmp_path, data, guess):
    with pytest.raises(SourceError, match=r"is not a text file \(.*\): export it again as CSV") as exc:
        read_source(write(tmp_path / "x.csv", data))
    assert guess in str(exc.value) and "UTF-16" not in str(exc.value)
    with pytest.raises(SourceError, match="looks like UTF-16 without a byte-order mark: pass --encoding utf-16-le"):
        read_source(write(tmp_path / "u16.csv", (HEADER + rows(3)).encode("utf-16-le")))
    with pytest.raises(SourceError, match="pass --encoding utf-16-be"):
        read_source(write(tmp_path / "u16be.csv", (HEADER + rows(3)).encode("utf-16-be")))


def test_a_drop_folder_skips_lock_hidden_and_header_only_files_and_says_so(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    write(drop / "2026-11-20_a.csv", (HEADER + rows(5)).encode())
    write(drop / "~$2026-11-20_a.csv", b"\x00\x01binary lock")  # Excel's owner file beside an open workbook
    write(drop / ".~lock.2026-11-20_a.csv#", b"x,host,2026")   # LibreOffice's
    write(drop / ".hidden.csv", b"\x1f\x8b garbage")
    write(drop / "2026-11-23_d.csv", HEADER.encode())          # an export cut short
    batch = read_source(drop)
    assert [f.name for f in batch.files] == ["2026-11-20_a.csv"] and len(batch.rows) == 5
    said = [s for _, s in batch.swallowed]
    assert said == ["skipped .hidden.csv, .~lock.2026-11-20_a.csv#, ~$2026-11-20_a.csv: Office lock or hidden files, "
                    "not exports",
                    "skipped 2026-11-23_d.csv: no data rows below its header (an export cut short?); export it again "
                    "if it should hold comments"]


def test_rows_of_separators_are_skipped_and_counted_and_a_repeated_header_is_named(tmp_path):
    data = HEADER + rows(3) + HEADER + rows(2, start=3) + ";;;;;;;;;\r\n;;;;;;;;;\r\n\r\n"
    batch = read_source(write(tmp_path / "joined.csv", data.encode()))
    comments, rejected = validate(batch)
    assert len(comments) == 5 and [r.where for r in rejected] == ["joined.csv line 5"]
    assert rejected[0].reason == "this line repeats the header (exports joined together?)"
    assert [s for _, s in batch.swallowed] == ["joined.csv: 2 empty rows skipped (only separators)"]


def test_a_decimal_score_is_quarantined_as_not_a_whole_number(tmp_path):
    data = HEADER + rows(2).replace(";4;9;", ";3,5;9;", 1)
    comments, rejected = validate(read_source(write(tmp_path / "s.csv", data.encode())))
    assert len(comments) == 1 and rejected[0].reason == "csat '3,5' is not a whole number from 1 to 5"


def test_excel_unicode_text_and_tsv_are_read_and_other_types_name_every_input(tmp_path):
    tab = (HEADER + rows(3)).replace(";", "\t")
    for name, data in (("unicode.txt", tab.encode("utf-16")), ("export.tsv", tab.encode())):
        comments, rejected = validate(read_source(write(tmp_path / name, data)))
        assert len(comments) == 3 and not rejected
    with pytest.raises(SourceError, match="has no data rows below its header: an export cut short"):
        read_source(write(tmp_path / "header.tsv", HEADER.replace(";", "\t").encode()))
    with zipfile.ZipFile(tmp_path / "book.xlsx", "w") as z:
        z.writestr("x", "y")
    with pytest.raises(SourceError) as exc:
        read_source(tmp_path / "book.xlsx")
    assert all(s in str(exc.value) for s in (".csv", ".tsv", ".txt", ".jsonl", ".parquet", ".duckdb", "--table",
                                             "CSV UTF-8"))


def test_the_cli_stops_a_windows_1252_file_in_one_line(tmp_path):
    src = write(tmp_path / "de.csv", (HEADER + rows(30, german_every=10)).encode("cp1252"))
    result = CliRunner().invoke(app, ["run", "--source", str(src), "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 2, result.output
    assert "3 of 30 rows hold letters such as ä ö ü ß € as single bytes; pass --encoding cp1252" in result.output
    assert "Traceback" not in result.output


def test_a_drop_file_another_job_moves_while_the_run_reads_the_folder_says_run_again(tmp_path):
    """A folder's files are listed, then read one by one: the real file is removed (as another job moving the
    drops would) when the reader opens the file before it, so it is gone when its turn comes."""
    folder = tmp_path / "drops"
    folder.mkdir()
    for i in range(3):
        write(folder / f"drop_{i}.csv", (HEADER + rows(2, start=10 * i)).encode())
    gone = folder / "drop_2.csv"

    def another_job(event, args):
        if event == "open" and str(args[0]) == str(folder / "drop_1.csv") and gone.exists():
            gone.unlink()
    sys.addaudithook(another_job)  # stays for the session: it acts only on this test's folder
    with pytest.raises(SourceError) as said:
        read_source(folder, encoding="cp1252")
    assert str(said.value) == (f"{gone} disappeared while the run read the folder {folder} (moved by another job?): "
                               "run again")
