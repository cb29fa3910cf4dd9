"""What a read gives the rest of ingest: raw rows with where they came from, in a batch with its files.

Every value is still text here (`voc.ingest.validate` parses and checks it); a row knows where a person finds it
(`RawRow.where`: "bad.csv line 4", "crm.duckdb row 3"), so its quarantine reason can say so.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field


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
    columns: frozenset[str] = frozenset()  # its header: which of a `--map` applies to it (`imports` fingerprint)


@dataclass
class RawBatch:
    source: str
    rows: list[RawRow] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    empty_files: list[str] = field(default_factory=list)  # a folder's empty files: skipped, said in the run summary
    no_rows: str | None = None  # a table or query without rows, a quiet night: "the query returned no rows"
    swallowed: list[tuple[str, str]] = field(default_factory=list)  # (file, what an unclosed quote took), said in the
    # run summary
    read_with: dict = field(default_factory=dict)  # the options that change what its files' bytes give as rows
    # (`read_options`): `imports` keeps their fingerprint, so the same bytes read another way are read again


def read_options(encoding: str, delimiter: str | None, mapping: dict[str, str]) -> dict:
    """The read options that change what a file's bytes give as rows; the encoding by its codec's name (utf8 is
    utf-8). The date order, the other one, is a setting (`voc.ingest.stored.import_fingerprint` adds it)."""
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        pass  # an unknown encoding fails the read itself, with what to do
    return {"encoding": encoding, "delimiter": delimiter, "mapping": dict(sorted(mapping.items()))}


def text_or_none(value) -> str | None:
    """A value as a raw row keeps it: as text, None for a missing one (JSON null, SQL NULL, an empty Parquet cell)."""
    return None if value is None else str(value)
