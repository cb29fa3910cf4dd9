"""Read one file's bytes as rows: delimited text (.csv, .tsv, .txt), JSONL or Parquet (`voc.ingest.read` finds the
files and builds the batch).

What a file cannot be read as, it says once, with what to do:
- the encoding (`voc.ingest.encoding`): a byte-order mark wins; a file that is not text, or Windows-1252 read as
  UTF-8, is refused; single undecodable bytes quarantine just their rows; a file mostly undecodable is refused;
- the delimiter: `,` `;` tab or `|`, sniffed from the header unless given;
- a field of any length (a pasted e-mail thread is still one comment).

Rows of delimited text: a row of empty cells only (`;;;;`, Excel's trailing rows) is skipped and counted, not
quarantined; a row that repeats the header (exports joined together) is quarantined as such; the last row of a
file that ends without a line break and has fewer cells than the header is quarantined as cut short (a file still
being written). Fewer cells elsewhere are read as empty cells (tools leave out empty trailing cells), and the
contract checks what is missing.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

from voc.errors import SourceError
from voc.ingest.columns import has_surrogates, sniff_delimiter
from voc.ingest.encoding import check_not_cp1252, decode
from voc.ingest.quotes import mark_swallowing
from voc.ingest.rows import RawRow, text_or_none

# A file with more undecodable rows than this share is in another encoding, not damaged, whatever its size (a
# 2-row Latin-1 file is as wrong as a 2,000-row one); one bad row among valid ones is quarantined.
MOSTLY_UNDECODABLE = 0.5
DELIMITED_SUFFIXES = (".csv", ".tsv", ".txt")  # .txt: Excel's "Unicode Text" (UTF-16, tabs), voc's own excel export
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SUPPORTED = ("delimited text (.csv, .tsv, .txt), JSON lines (.jsonl, .ndjson), Parquet (.parquet) or a DuckDB file "
             "(.duckdb, .db, .ddb) with --table or --query; from Excel save as \"CSV UTF-8\"")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # the default 131,072 characters refuses long pasted threads


def read_file(path: Path, data: bytes, encoding: str,
              delimiter: str | None) -> tuple[set[str] | None, list[RawRow], int]:
    """The file's columns, its rows and how many rows of empty cells only it skipped."""
    suffix = path.suffix.lower()
    if not data:
        raise SourceError(f"{path} is empty: export the comments again")
    if suffix == ".parquet":
        return (*_read_parquet(path), 0)
    if suffix not in DELIMITED_SUFFIXES + JSONL_SUFFIXES:
        raise SourceError(f"{path}: unsupported file type {suffix!r}; voc reads {SUPPORTED}")
    text = decode(path, data, encoding)
    if suffix in DELIMITED_SUFFIXES:
        names, rows, empty = _read_csv(path, text, delimiter)
    else:
        (names, rows), empty = _read_jsonl(path, text), 0
    bad = sum(1 for r in rows if any(has_surrogates(v) for v in r.values.values()))
    check_not_cp1252(path, text, bad, len(rows))
    _check_mostly_decodable(path, bad, len(rows), encoding)
    return names, rows, empty


def _read_csv(path: Path, text: str, delimiter: str | None) -> tuple[set[str], list[RawRow], int]:
    """The header's columns, the rows as `csv.DictReader` makes them (blank lines skipped, missing cells None,
    extra cells dropped), each with the line it starts on (`line_num` counts physical lines, so a quoted field over
    several lines is right), and the number of rows of empty cells only, skipped."""
    header = text.split("\n", 1)[0]
    delimiter = delimiter or sniff_delimiter(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[str] | None = None  # the file's physical lines, split only when a row spans several
    rows: list[RawRow] = []
    empty = cut = 0  # rows of empty cells only; the cells of the last row
    try:
        names = next(reader, None)
        if not names or not any(f.strip() for f in names):
            raise SourceError(f"{path} has no header row: the first line must name the columns")
        names = [f.strip() for f in names]
        start = reader.line_num + 1
        for cells in reader:
            if cells and not any(c.strip() for c in cells):
                empty += 1
            elif cells:
                values = dict(zip(names, cells + [None] * (len(names) - len(cells))))
                rows.append(RawRow(len(rows) + 1, path.name, values, line=start, last_line=reader.line_num))
                if [c.strip() for c in cells] == names:
                    values["_error"] = "this line repeats the header (exports joined together?)"
                elif reader.line_num > start:
                    lines = lines if lines is not None else list(io.StringIO(text, newline=""))
                    mark_swallowing(rows[-1], lines, reader.line_num, delimiter, len(names))
                cut = len(cells)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(f"{path} line {reader.line_num} is not readable CSV ({exc}); "
                          "check quoting, or pass --delimiter") from None
    _mark_cut_last_row(rows, text, cut, len(names))
    return set(names), rows, empty


def _mark_cut_last_row(rows: list[RawRow], text: str, cells: int, n_columns: int) -> None:
    """Quarantine the last row of a file cut mid-row (still being written): it has fewer cells than the header
    and no line break ends the file. Stored, it would keep a cut value for good (`A1` of `A11`, product `b`)."""
    last = rows[-1] if rows else None
    if last is None or text.endswith(("\n", "\r")) or cells >= n_columns or "_error" in last.values:
        return
    last.values["_error"] = (f"this row has {cells} of {n_columns} cells and the file ends without a line break: "
                             "cut short? export it again")


def _check_mostly_decodable(path: Path, bad: int, rows: int, encoding: str) -> None:
    """A file that is mostly undecodable is in the wrong encoding: say so instead of quarantining it all."""
    if rows and bad > MOSTLY_UNDECODABLE * rows:
        raise SourceError(f"{path} is not {encoding}: {bad} of {rows} rows cannot be decoded; re-save it as UTF-8 "
                          "or pass the right --encoding, e.g. --encoding cp1252 (Windows) or --encoding latin-1")


def _read_jsonl(path: Path, text: str) -> tuple[set[str] | None, list[RawRow]]:
    """The keys of its readable lines (None when none is: each line is quarantined with its reason) and the rows."""
    rows: list[RawRow] = []
    for i, line in enumerate(io.StringIO(text, newline=""), start=1):  # lines as an editor counts them (\n, \r\n, \r)
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            obj = {"_unparsed": line, "_error": f"invalid JSON: {exc.msg}"}
        if not isinstance(obj, dict):
            obj = {"_unparsed": line, "_error": "line is not a JSON object"}
        rows.append(RawRow(len(rows) + 1, path.name, {str(k): text_or_none(v) for k, v in obj.items()}, line=i))
    parsed = [r.values.keys() for r in rows if "_error" not in r.values]
    return (set().union(*parsed) if parsed else None), rows


def _read_parquet(path: Path) -> tuple[set[str], list[RawRow]]:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file; all mean the same to a user
        raise SourceError(f"{path} is not a readable Parquet file ({exc}); export it again") from exc
    return set(table.column_names), [RawRow(i, path.name, {k: text_or_none(v) for k, v in row.items()})
                                     for i, row in enumerate(table.to_pylist(), start=1)]
