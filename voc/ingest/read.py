"""Read agent-captured comments from files or a DuckDB database into raw rows.

Sources: a CSV, JSONL or Parquet file; a folder of such drops (read in name
order); or a table or query in a DuckDB file. Every value is kept as text here:
parsing and checking belong to `voc.ingest.validate`, so a bad value becomes a
quarantined row with a reason instead of a failed read.

What a file cannot be read as, it says once, with what to do:
- the encoding: a UTF-8 byte-order mark (Excel) is dropped, UTF-16 with a mark is
  read as UTF-16; single undecodable bytes survive as surrogate escapes so that
  validation quarantines just those rows; a file mostly undecodable is refused;
- the delimiter: `,` `;` tab or `|`, sniffed from the header unless given;
- a field of any length (a pasted e-mail thread is still one comment).

Each file of a folder is checked as a file given alone is: one that lacks a required column (an export whose
columns changed) stops the night with the file-level message, before anything is stored, so the file is read
again once it is fixed (its rows are not quarantined one by one as "text is missing"). An empty file in a folder
is skipped (and named in the run summary); the folder's other files are read. Each file's SHA-256 goes with the
batch, so the store recognises a file it has already imported (`voc.pipeline.ingest`).

A single file without data rows is an error (an export cut short); a `--table` or `--query` without rows is a
quiet night (`RawBatch.no_rows` says so), not a failure: a query over "the last day" returns nothing on a holiday.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from voc.errors import SourceError
from voc.ingest.columns import check_columns, check_mapped_columns_exist, has_surrogates, listing
from voc.ingest.naming import file_label, source_name
from voc.ingest.quotes import mark_swallowing, swallowed_summary
from voc.ingest.columns import parse_mapping  # noqa: F401  (voc.ingest.read.parse_mapping, as before)
from voc.store import quote_ident

FILE_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")
DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
DELIMITERS = ",;\t|"
# Comments are keyed by (source name, comment_id). Files of one system share one name by default, so the same
# comment exported in two files (or under a new file name) is one comment; give other systems their own name.
DEFAULT_SOURCE_NAME = "default"
# A file with more undecodable rows than this share is in another encoding, not damaged, whatever its size (a
# 2-row Latin-1 file is as wrong as a 2,000-row one); one bad row among valid ones is quarantined.
MOSTLY_UNDECODABLE = 0.5

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # the default 131,072 characters refuses long pasted threads


@dataclass
class RawRow:
    row_number: int          # 1-based data row within its file (header not counted)
    file: str
    values: dict[str, str | None]
    line: int | None = None  # CSV/JSONL: the file's line the record starts on (header = line 1), as an editor shows
    last_line: int | None = None  # CSV: the line the record ends on (a quoted field may hold line breaks)
    swallowed: int = 0       # CSV: lines an unclosed quote read into this row (`voc.ingest.quotes`), 0 for a good row

    @property
    def position(self) -> str:
        """"line 4" in a CSV/JSONL file (as an editor counts, header = line 1), "row 3" in a table or Parquet file."""
        return f"line {self.line}" if self.line is not None else f"row {self.row_number}"

    @property
    def where(self) -> str:
        """Where a person finds the row: "bad.csv line 4", "notes row 3"."""
        return f"{self.file} {self.position}"


@dataclass(frozen=True)
class SourceFile:
    name: str
    sha256: str
    rows: int


@dataclass
class RawBatch:
    source: str
    rows: list[RawRow] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    empty_files: list[str] = field(default_factory=list)  # a folder's empty files: skipped, said in the run summary
    no_rows: str | None = None  # a table or query without rows, a quiet night: "the query returned no rows"
    swallowed: list[tuple[str, str]] = field(default_factory=list)  # (file, what an unclosed quote took), said in the
    # run summary


def require_existing(path: Path) -> Path:
    """The path, or SourceError when there is nothing there (checked before a run starts, and when reading)."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"source {path} does not exist: check the path")
    return path


def read_source(path: Path, mapping: dict[str, str] | None = None, table: str | None = None,
                query: str | None = None, name: str | None = None, encoding: str = "utf-8",
                delimiter: str | None = None) -> RawBatch:
    """Read every row of a source. Raises SourceError with what to do when it cannot. Each part (a file, a table,
    a query's result) must have the required columns, after `mapping` (source column -> voc field)."""
    path = require_existing(path)
    _check_encoding_name(encoding)
    if delimiter is not None and len(delimiter) != 1:
        raise SourceError(f"--delimiter {delimiter!r} must be one character, e.g. ';'")
    mapping = mapping or {}
    batch = RawBatch(source=source_name(name, DEFAULT_SOURCE_NAME))
    columns: set[str] = set()  # of every part, for the --map check
    if path.suffix.lower() in DUCKDB_SUFFIXES and path.is_file():
        names, batch.rows = _read_duckdb(path, table, query)
        columns = check_columns(path, set(names), mapping)
        if not batch.rows:
            batch.no_rows = "the query returned no rows" if query else f"table {table} has no rows"
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in FILE_SUFFIXES and p.is_file())
        if not files:
            raise SourceError(f"folder {path} has no .csv, .jsonl or .parquet files")
        for f in files:
            columns |= _add_file(batch, f, encoding, delimiter, mapping, folder=path)
        if not batch.rows:
            empty = f" ({', '.join(batch.empty_files)} empty)" if batch.empty_files else ""
            raise SourceError(f"folder {path} has no data rows in any file{empty}: nothing to ingest; export the "
                              "comments again")
    else:
        columns = _add_file(batch, path, encoding, delimiter, mapping)
        if not batch.rows:
            raise SourceError(f"{path} has no data rows{' below its header' if path.suffix.lower() == '.csv' else ''}"
                              ": an export cut short? export the comments again")
    _apply_mapping(batch, mapping, path, columns)
    return batch


def _check_encoding_name(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(f"unknown --encoding {encoding!r}: use e.g. utf-8, latin-1, cp1252 or utf-16") from None


def _add_file(batch: RawBatch, path: Path, encoding: str, delimiter: str | None, mapping: dict[str, str],
              folder: Path | None = None) -> set[str]:
    """Read one file into the batch and return its columns. In a drop folder an empty file (an export that failed,
    a drop still being written) is skipped and listed in `batch.empty_files`, so it cannot stop every night; given
    alone it stops the run (`_read_file`). A file that lacks a required column stops the run, in a folder too."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path} ({exc.strerror or exc}); check its permissions") from exc
    sha256 = hashlib.sha256(data).hexdigest()
    label = file_label(path, sha256)  # the name stored and shown, in the rows' quarantine reasons too
    if folder is not None and not data:
        batch.empty_files.append(label)
        return set()
    names, rows = _read_file(path, data, encoding, delimiter)
    columns = check_columns(path, names, mapping, folder)
    for row in rows:
        row.file = label
    batch.rows.extend(rows)
    batch.swallowed.extend(swallowed_summary(label, rows))
    batch.files.append(SourceFile(label, sha256, len(rows)))
    return columns


def _read_file(path: Path, data: bytes, encoding: str, delimiter: str | None) -> tuple[set[str], list[RawRow]]:
    """The file's columns and rows."""
    suffix = path.suffix.lower()
    if not data:
        raise SourceError(f"{path} is empty: export the comments again")
    if suffix == ".parquet":
        return _read_parquet(path)
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise SourceError(f"{path}: unsupported file type {suffix!r}; use .csv, .jsonl or .parquet")
    text = decode(path, data, encoding)
    names, rows = _read_csv(path, text, delimiter) if suffix == ".csv" else _read_jsonl(path, text)
    _check_mostly_decodable(path, rows, encoding)
    return names, rows


def decode(path: Path, data: bytes, encoding: str) -> str:
    """Bytes to text. A byte-order mark wins over --encoding; stray bytes become surrogate escapes."""
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8):], "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in data[:4096] and not encoding.lower().replace("-", "").startswith(("utf16", "utf32")):
        raise SourceError(f"{path} looks like UTF-16 without a byte-order mark: pass --encoding utf-16-le "
                          "(or utf-16-be), or re-save it as UTF-8")
    errors = "surrogateescape" if codecs.lookup(encoding).name == "utf-8" else "strict"
    try:
        return data.decode(encoding, errors=errors)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path} is not valid {encoding} (byte {exc.start}): re-save it as UTF-8 "
                          f"or pass the right --encoding, e.g. --encoding latin-1") from None


def sniff_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most columns (comma on a tie)."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(path: Path, text: str, delimiter: str | None) -> tuple[set[str], list[RawRow]]:
    """The header's columns and the rows as `csv.DictReader` makes them (blank lines skipped, missing cells None,
    extra cells dropped), each with the line it starts on: `line_num` counts physical lines, so a quoted field over
    several lines is right."""
    header = text.split("\n", 1)[0]
    delimiter = delimiter or sniff_delimiter(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[str] | None = None  # the file's physical lines, split only when a row spans several
    rows: list[RawRow] = []
    try:
        names = next(reader, None)
        if not names or not any(f.strip() for f in names):
            raise SourceError(f"{path} has no header row: the first line must name the columns")
        names = [f.strip() for f in names]
        start = reader.line_num + 1
        for cells in reader:
            if cells:
                values = dict(zip(names, cells + [None] * (len(names) - len(cells))))
                rows.append(RawRow(len(rows) + 1, path.name, values, line=start, last_line=reader.line_num))
                if reader.line_num > start:
                    lines = lines if lines is not None else list(io.StringIO(text, newline=""))
                    mark_swallowing(rows[-1], lines, reader.line_num, delimiter, len(names))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(f"{path} line {reader.line_num} is not readable CSV ({exc}); "
                          "check quoting, or pass --delimiter") from None
    return set(names), rows


def _check_mostly_decodable(path: Path, rows: list[RawRow], encoding: str) -> None:
    """A file that is mostly undecodable is in the wrong encoding: say so instead of quarantining it all."""
    bad = sum(1 for r in rows if any(has_surrogates(v) for v in r.values.values()))
    if rows and bad > MOSTLY_UNDECODABLE * len(rows):
        raise SourceError(
            f"{path} is not {encoding}: {bad} of {len(rows)} rows cannot be decoded; "
            f"re-save it as UTF-8 or pass --encoding latin-1"
        )


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
        rows.append(RawRow(len(rows) + 1, path.name, {str(k): _text(v) for k, v in obj.items()}, line=i))
    parsed = [r.values.keys() for r in rows if "_error" not in r.values]
    return (set().union(*parsed) if parsed else None), rows


def _text(value) -> str | None:
    return None if value is None else str(value)


def _read_parquet(path: Path) -> tuple[set[str], list[RawRow]]:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file; all mean the same to a user
        raise SourceError(f"{path} is not a readable Parquet file ({exc}); export it again") from exc
    return set(table.column_names), [RawRow(i, path.name, {k: _text(v) for k, v in row.items()})
                                     for i, row in enumerate(table.to_pylist(), start=1)]


def check_query(query: str) -> None:
    """Only one SELECT may run against a source: COPY, ATTACH, INSERT ... would act although the file is read-only."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise SourceError(f"--query is not valid SQL ({duckdb_said(exc)})") from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise SourceError("--query must be a single SELECT statement (e.g. SELECT * FROM notes WHERE ...); "
                          "other statements are refused")


def _read_duckdb(path: Path, table: str | None, query: str | None) -> tuple[list[str], list[RawRow]]:
    """The result's column names and rows (none on a quiet night: the caller says so)."""
    if bool(table) == bool(query):
        raise SourceError(f"{path} is a DuckDB file: pass exactly one of --table NAME or --query SQL")
    if query:
        check_query(query)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SourceError(f"cannot open DuckDB source {path} ({duckdb_said(exc)}); is another process writing "
                          "it?") from exc
    try:
        if table:
            _check_table(con, path, table)
        result = con.execute(f"SELECT * FROM {quote_ident(table)}" if table else query)
        names = [d[0] for d in result.description]
        data = result.fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"{'--table' if table else '--query'} cannot be read from {path} ({duckdb_said(exc)}): "
                          f"check {'the table' if table else 'the SQL'}") from exc
    finally:
        con.close()
    label = file_label(path)
    return names, [RawRow(i, label, {n: _text(v) for n, v in zip(names, row)}) for i, row in enumerate(data, start=1)]


def _check_table(con, path: Path, table: str) -> None:
    names = {n for n, in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if table not in names:
        raise SourceError(f"{path} has no table {table!r} (it has: {listing(names) or 'no tables'}); pass one of "
                          "them with --table")


def duckdb_said(exc: Exception) -> str:
    """DuckDB's error on one line: its message and hints ('Did you mean ...'), without the picture of the SQL it
    draws below them (`LINE 1: ...` and a line of `^`)."""
    lines = [line.strip() for line in str(exc).splitlines()]
    kept = [line for line in lines if line and not re.match(r"LINE \d+:", line) and set(line) != {"^"}]
    return " ".join(kept) or type(exc).__name__


def _apply_mapping(batch: RawBatch, mapping: dict[str, str], path: Path, columns: set[str]) -> None:
    """Rename the mapped columns of every row; each part passed `check_columns` already."""
    check_mapped_columns_exist(path, columns, mapping)
    if mapping:
        for r in batch.rows:
            r.values = {mapping.get(k, k): v for k, v in r.values.items()}
