"""Which `voc run` options apply to which kind of source; a combination that does not apply is refused.

`voc.ingest.read.read_source` reads a table or query only from a DuckDB file, a delimiter only from CSV
files, an encoding only from text files (CSV, JSONL). An option given for a source it does not apply
to would be ignored without a word, so it is refused with one line instead, before a run starts.
"""

from __future__ import annotations

from pathlib import Path

from voc.errors import ConfigError
from voc.ingest.read import DUCKDB_SUFFIXES, require_existing

# option -> (the kinds of source it applies to, how to say so)
APPLIES_TO = {
    "--table": ({"duckdb"}, "a DuckDB file (.duckdb, .db, .ddb)"),
    "--query": ({"duckdb"}, "a DuckDB file (.duckdb, .db, .ddb)"),
    "--delimiter": ({"csv", "folder"}, "CSV files (or a folder of them)"),
    "--encoding": ({"csv", "jsonl", "folder"}, "CSV and JSONL files (or a folder of them)"),
}
KINDS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
         **{suffix: "duckdb" for suffix in DUCKDB_SUFFIXES}}
SAID = {"csv": "a CSV file", "jsonl": "a JSONL file", "parquet": "a Parquet file", "duckdb": "a DuckDB file",
        "folder": "a folder"}


def source_kind(path: Path) -> str | None:
    """'duckdb', 'csv', 'jsonl', 'parquet' or 'folder'; None when voc cannot tell (missing, unknown type: reading
    the source says what is wrong then)."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    return KINDS.get(path.suffix.lower()) if path.is_file() else None


def check(source: Path, **given: str | None) -> None:
    """Refuse a source that does not exist (SourceError), and options (`table=`, `query=`, `delimiter=`,
    `encoding=`; None = not given) that do not apply to `source`: ConfigError naming the option, the source's kind
    and what the option is for."""
    kind = source_kind(require_existing(source))
    if kind is None:
        return
    for name, value in given.items():
        option = "--" + name.replace("_", "-")
        kinds, what = APPLIES_TO[option]
        if value is not None and kind not in kinds:
            raise ConfigError(f"{option} does not apply to {source} ({SAID[kind]}): it is for {what}; "
                              f"drop {option}")
