"""Read agent-captured comments from files or a DuckDB database into a batch of raw rows.

Sources: a delimited text (.csv, .tsv, .txt), JSONL or Parquet file (`voc.ingest.files`); a folder of such drops
(read in name order; .txt only given alone, as a folder may hold a README); or a table or query in a DuckDB file
(`voc.ingest.duckdb_source`). Every value is kept as text here: parsing and checking belong to
`voc.ingest.validate`, so a bad value becomes a quarantined row with a reason instead of a failed read.

Each file of a folder is checked as a file given alone is: one that lacks a required column (an export whose
columns changed) stops the night with the file-level message, before anything is stored, so the file is read
again once it is fixed (its rows are not quarantined one by one as "text is missing"). An empty file in a folder
is skipped (and named in the run summary), and so is one with a header and no rows below it (an export cut short);
the folder's other files are read. Office's lock files (`~$name.csv`, `.~lock.name.csv#`) and hidden files are not
exports: skipped, with one line in the summary. Rows of empty cells only are skipped and counted in the summary.
Each file's SHA-256 goes with the batch, so the store recognises a file it has already imported
(`voc.pipeline.ingest`).

A single file without data rows is an error (an export cut short); a `--table` or `--query` without rows is a
quiet night (`RawBatch.no_rows` says so), not a failure: a query over "the last day" returns nothing on a holiday.
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

from voc.errors import SourceError
from voc.ingest.columns import as_fields, check_columns, check_mapped_columns_exist, in_order
from voc.ingest.duckdb_source import read_duckdb
from voc.ingest.files import DELIMITED_SUFFIXES, JSONL_SUFFIXES, read_file
from voc.ingest.naming import file_label, source_name
from voc.ingest.quotes import swallowed_summary
from voc.ingest.rows import RawBatch, RawRow, SourceFile, read_options  # noqa: F401  (RawRow: as before)

# What a folder's files are read as: what a file is read as, but .txt (only given alone: a folder may hold a README)
FILE_SUFFIXES = tuple(s for s in DELIMITED_SUFFIXES if s != ".txt") + JSONL_SUFFIXES + (".parquet",)
# Excel's `~$name` owner file beside an open workbook, LibreOffice's `.~lock.name#`, and hidden files: never exports
NOT_EXPORTS = ("~$", ".")
DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
# Comments are keyed by (source name, comment_id). Files of one system share one name by default, so the same
# comment exported in two files (or under a new file name) is one comment; give other systems their own name.
DEFAULT_SOURCE_NAME = "default"


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
    batch = RawBatch(source=source_name(name, DEFAULT_SOURCE_NAME),
                     read_with=read_options(encoding, delimiter, mapping))
    columns: set[str] = set()  # of every part, for the --map check
    if path.suffix.lower() in DUCKDB_SUFFIXES and path.is_file():
        names, batch.rows = read_duckdb(path, table, query)
        columns = check_columns(path, set(names), mapping)
        if not batch.rows:
            batch.no_rows = "the query returned no rows" if query else f"table {table} has no rows"
    elif path.is_dir():
        files = _folder_files(batch, path)
        for f in files:
            columns |= _add_file(batch, f, encoding, delimiter, mapping, folder=path)
        if not batch.rows:
            empty = f" ({', '.join(batch.empty_files)} empty)" if batch.empty_files else ""
            raise SourceError(f"folder {path} has no data rows in any file{empty}: nothing to ingest; export the "
                              "comments again")
    else:
        columns = _add_file(batch, path, encoding, delimiter, mapping)
        if not batch.rows:
            below = " below its header" if path.suffix.lower() in DELIMITED_SUFFIXES else ""
            raise SourceError(f"{path} has no data rows{below}"
                              ": an export cut short? export the comments again")
    _apply_mapping(batch, mapping, path, columns)
    return batch


def _folder_files(batch: RawBatch, folder: Path) -> list[Path]:
    """A folder's export files in name order; lock and hidden files among them are skipped and said once."""
    found = sorted(p for p in folder.iterdir() if p.suffix.lower().rstrip("#") in FILE_SUFFIXES and p.is_file())
    stray = [p for p in found if p.name.startswith(NOT_EXPORTS)]
    if stray:
        names = ", ".join(file_label(p) for p in stray)
        what = "Office lock or hidden " + ("files, not exports" if len(stray) > 1 else "file, not an export")
        batch.swallowed.append(("", f"skipped {names}: {what}"))
    files = [p for p in found if p not in stray]
    if not files:
        raise SourceError(f"folder {folder} has no {', '.join(FILE_SUFFIXES)} files"
                          f"{' but lock or hidden ones' if stray else ''}")
    return files


def _check_encoding_name(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(f"unknown --encoding {encoding!r}: use e.g. utf-8, latin-1, cp1252 or utf-16") from None


def _add_file(batch: RawBatch, path: Path, encoding: str, delimiter: str | None, mapping: dict[str, str],
              folder: Path | None = None) -> set[str]:
    """Read one file into the batch and return its columns. In a drop folder an empty file (an export that failed,
    a drop still being written) is skipped and listed in `batch.empty_files`, so it cannot stop every night; given
    alone it stops the run (`read_file`). A file that lacks a required column stops the run, in a folder too."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:  # it was there a moment ago (listed, or checked before the run started)
        read = f"the folder {folder}" if folder is not None else "it"
        raise SourceError(f"{path} disappeared while the run read {read} (moved by another job?): run again") from exc
    except OSError as exc:
        raise SourceError(f"cannot read {path} ({exc.strerror or exc}); check its permissions") from exc
    sha256 = hashlib.sha256(data).hexdigest()
    label = file_label(path, sha256)  # the name stored and shown, in the rows' quarantine reasons too
    if folder is not None and not data:
        batch.empty_files.append(label)
        return set()
    names, rows, empty = read_file(path, data, encoding, delimiter)
    columns = check_columns(path, in_order(names, rows), mapping, folder)
    if empty:  # said with the rows an unclosed quote took: a line of the run summary for this file
        batch.swallowed.append((label, f"{label}: {empty} empty row{'s' * (empty > 1)} skipped (only separators)"))
    if folder is not None and not rows:
        below = " below its header" if names else ""
        batch.swallowed.append((label, f"skipped {label}: no data rows{below} (an export cut short?); export it again "
                                       "if it should hold comments"))
        return columns
    for row in rows:
        row.file = label
    batch.rows.extend(rows)
    batch.swallowed.extend(swallowed_summary(label, rows))
    batch.files.append(SourceFile(label, sha256, len(rows), frozenset(columns)))
    return columns


def _apply_mapping(batch: RawBatch, mapping: dict[str, str], path: Path, columns: set[str]) -> None:
    """Rename the mapped columns of every row; each part passed `check_columns` already."""
    check_mapped_columns_exist(path, columns, mapping)
    for r in batch.rows:  # names in any case (`voc.ingest.columns.fields_of`)
        r.values = as_fields(r.values, mapping)
