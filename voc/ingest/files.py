"""Read one file's bytes as rows: CSV, JSONL or Parquet (`voc.ingest.read` finds the files and builds the batch).

What a file cannot be read as, it says once, with what to do:
- the encoding: a UTF-8 byte-order mark (Excel) is dropped, UTF-16 with a mark is
  read as UTF-16; single undecodable bytes survive as surrogate escapes so that
  validation quarantines just those rows; a file mostly undecodable is refused;
- the delimiter: `,` `;` tab or `|`, sniffed from the header unless given;
- a field of any length (a pasted e-mail thread is still one comment).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

from voc.errors import SourceError
from voc.ingest.columns import has_surrogates
from voc.ingest.quotes import mark_swallowing
from voc.ingest.rows import RawRow, text_or_none

DELIMITERS = ",;\t|"  # what CSV exports use: comma, semicolon (a German Excel), tab, pipe
# A file with more undecodable rows than this share is in another encoding, not damaged, whatever its size (a
# 2-row Latin-1 file is as wrong as a 2,000-row one); one bad row among valid ones is quarantined.
MOSTLY_UNDECODABLE = 0.5
UTF16_SNIFF_BYTES = 4096  # a NUL byte this near the start: UTF-16 text without its byte-order mark

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # the default 131,072 characters refuses long pasted threads


def read_file(path: Path, data: bytes, encoding: str, delimiter: str | None) -> tuple[set[str] | None, list[RawRow]]:
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
    elif b"\x00" in data[:UTF16_SNIFF_BYTES] and not encoding.lower().replace("-", "").startswith(("utf16", "utf32")):
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
