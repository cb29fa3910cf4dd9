"""Read agent-captured comments from files or a DuckDB database into raw rows.

Sources: a CSV, JSONL or Parquet file; a folder of such drops (read in name
order); or a table or query in a DuckDB file. Every value is kept as text here:
parsing and checking belong to `voc.validate`, so a bad value becomes a
quarantined row with a reason instead of a failed read.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from voc.errors import SourceError
from voc.store import quote_ident

REQUIRED = ("comment_id", "text", "created_at", "agent_id")
OPTIONAL = ("channel", "product", "team", "language", "csat", "nps", "ticket_id", "sentiment")
FILE_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")
DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")


@dataclass
class RawRow:
    row_number: int          # 1-based data row within its file (header not counted)
    file: str
    values: dict[str, str | None]


@dataclass
class RawBatch:
    source: str
    rows: list[RawRow] = field(default_factory=list)


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """`["text=comment_body"]` -> `{"comment_body": "text"}` (source column -> voc field)."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        target, sep, column = pair.partition("=")
        if not sep or not target.strip() or not column.strip():
            raise SourceError(f"--map {pair!r} is not FIELD=COLUMN, e.g. --map text=comment_body")
        if target.strip() not in REQUIRED + OPTIONAL:
            raise SourceError(f"--map {pair!r}: unknown field {target!r}; fields are {', '.join(REQUIRED + OPTIONAL)}")
        mapping[column.strip()] = target.strip()
    return mapping


def read_source(path: Path, mapping: dict[str, str] | None = None, table: str | None = None,
                query: str | None = None, name: str | None = None, encoding: str = "utf-8") -> RawBatch:
    """Read every row of a source. Raises SourceError with what to do when it cannot."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"source {path} does not exist: check the path")
    batch = RawBatch(source=name or path.stem)
    if path.suffix.lower() in DUCKDB_SUFFIXES:
        batch.rows = _read_duckdb(path, table, query)
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in FILE_SUFFIXES)
        if not files:
            raise SourceError(f"folder {path} has no .csv, .jsonl or .parquet files")
        for f in files:
            batch.rows.extend(_read_file(f, encoding))
    else:
        batch.rows = _read_file(path, encoding)
    if not batch.rows:
        raise SourceError(f"source {path} has no data rows: nothing to ingest")
    _apply_mapping(batch, mapping or {}, path)
    return batch


def _read_file(path: Path, encoding: str) -> list[RawRow]:
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise SourceError(f"{path} is empty: export the comments again")
    if suffix == ".csv":
        return _read_csv(path, encoding)
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(path, encoding)
    if suffix == ".parquet":
        return _read_parquet(path)
    raise SourceError(f"{path}: unsupported file type {suffix!r}; use .csv, .jsonl or .parquet")


def _text(value) -> str | None:
    return None if value is None else str(value)


def _read_csv(path: Path, encoding: str) -> list[RawRow]:
    # surrogateescape keeps undecodable bytes visible to validation, which quarantines those rows
    with path.open(newline="", encoding=encoding, errors="surrogateescape") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise SourceError(f"{path} has no header row: the first line must name the columns")
        rows = [RawRow(i, path.name, {k: v for k, v in row.items() if k is not None})
                for i, row in enumerate(reader, start=1)]
    _check_mostly_decodable(path, rows, encoding)
    return rows


def _check_mostly_decodable(path: Path, rows: list[RawRow], encoding: str) -> None:
    """A file that is mostly undecodable is in the wrong encoding: say so instead of quarantining it all."""
    bad = sum(1 for r in rows if any(_has_surrogates(v) for v in r.values.values()))
    if rows and bad > max(10, len(rows) // 2):
        raise SourceError(
            f"{path} is not {encoding}: {bad} of {len(rows)} rows cannot be decoded; "
            f"re-save it as UTF-8 or pass --encoding latin-1"
        )


def _has_surrogates(value: str | None) -> bool:
    return value is not None and any("\udc80" <= ch <= "\udcff" for ch in value)


def _read_jsonl(path: Path, encoding: str) -> list[RawRow]:
    rows = []
    with path.open(encoding=encoding, errors="surrogateescape") as fh:
        for i, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                obj = {"_unparsed": line.rstrip("\n"), "_error": f"invalid JSON: {exc.msg}"}
            if not isinstance(obj, dict):
                obj = {"_unparsed": line.rstrip("\n"), "_error": "line is not a JSON object"}
            rows.append(RawRow(i, path.name, {k: _text(v) for k, v in obj.items()}))
    _check_mostly_decodable(path, rows, encoding)
    return rows


def _read_parquet(path: Path) -> list[RawRow]:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise SourceError(f"{path} is not a readable Parquet file ({exc}); export it again") from exc
    return [RawRow(i, path.name, {k: _text(v) for k, v in row.items()})
            for i, row in enumerate(table.to_pylist(), start=1)]


def _read_duckdb(path: Path, table: str | None, query: str | None) -> list[RawRow]:
    if bool(table) == bool(query):
        raise SourceError(f"{path} is a DuckDB file: pass exactly one of --table NAME or --query SQL")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SourceError(f"cannot open DuckDB source {path} ({exc}); is another process writing it?") from exc
    try:
        sql = f"SELECT * FROM {quote_ident(table)}" if table else query
        result = con.execute(sql)
        names = [d[0] for d in result.description]
        data = result.fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"reading {path}: {exc}; check --table / --query") from exc
    finally:
        con.close()
    return [RawRow(i, path.name, {n: _text(v) for n, v in zip(names, row)}) for i, row in enumerate(data, start=1)]


def _apply_mapping(batch: RawBatch, mapping: dict[str, str], path: Path) -> None:
    columns = set().union(*(r.values.keys() for r in batch.rows[:1000]))
    missing_sources = [c for c in mapping if c not in columns]
    if missing_sources:
        raise SourceError(f"--map names column(s) {', '.join(missing_sources)} that {path} does not have "
                          f"(it has: {', '.join(sorted(columns))})")
    mapped = {mapping.get(c, c) for c in columns}
    missing = [c for c in REQUIRED if c not in mapped]
    if missing and "_unparsed" not in columns:
        raise SourceError(
            f"{path} lacks required column(s) {', '.join(missing)} (it has: {', '.join(sorted(columns))}); "
            f"map yours with e.g. --map {missing[0]}=<your column>"
        )
    if mapping:
        for r in batch.rows:
            r.values = {mapping.get(k, k): v for k, v in r.values.items()}
