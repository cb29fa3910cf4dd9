"""A source's columns against the input contract: the fields, `--map`, and the check each part of a source passes.

A part is what has one set of columns: a file (also each file of a drop folder), a table, a query's result. A
part that lacks a required field (after `--map`) stops the run with one line naming the part, the missing columns
and the `--map` that fixes it; a required field missing in one row only is that row's problem (quarantined by
`voc.ingest.validate`). Column names and values may carry undecodable bytes (surrogate escapes), shown as \\xNN.
"""

from __future__ import annotations

from pathlib import Path

from voc.errors import SourceError
from voc.text.redact import redact

REQUIRED = ("comment_id", "text", "created_at", "agent_id")
OPTIONAL = ("channel", "product", "team", "language", "csat", "nps", "ticket_id", "sentiment")
LISTED_COLUMNS = 20       # column names an error line lists: a whole pasted row is not a header
LISTED_NAME_CHARS = 40


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


def check_columns(part: Path, names: set[str] | None, mapping: dict[str, str], folder: Path | None = None) -> set[str]:
    """The part's columns, or SourceError when they lack a required field after `mapping`. `names` None: the part's
    columns are unknown (a JSONL file with no readable line), its rows say what is wrong. In a drop folder the
    message adds that nothing of the folder was read, so the night is read again once the file is fixed."""
    if names is None:
        return set()
    missing = [c for c in REQUIRED if c not in {mapping.get(n, n) for n in names}]
    if not missing:
        return set(names)
    after = (f" Nothing from the folder {folder} was read: fix {part.name} (or move it out of the folder) and run "
             "again." if folder is not None else "")
    absent = [c for c in mapping if c not in names]
    if absent and folder is None:
        raise SourceError(f"--map names column(s) {', '.join(absent)} that {part} does not have "
                          f"(it has: {listing(names)})")
    hint = (" The header has one column only: is the file separated by another character? pass --delimiter"
            if len(names) == 1 else "")
    raise SourceError(f"{part} lacks required column(s) {', '.join(missing)} (it has: {listing(names)}); "
                      f"map yours with e.g. --map {missing[0]}=<your column> (a deployment's parameter: mapping: "
                      f"[\"{missing[0]}=<your column>\"]).{hint}{after}")


def check_mapped_columns_exist(source: Path, columns: set[str], mapping: dict[str, str]) -> None:
    """A `--map` column that no part of the source has is a typo: said, not ignored."""
    absent = [c for c in mapping if c not in columns]
    if absent:
        where = f"any file of {source}" if source.is_dir() else str(source)
        raise SourceError(f"--map names column(s) {', '.join(absent)} that {where} does not have "
                          f"(it has: {listing(columns)})")


def listing(columns: set[str]) -> str:
    """Column names for an error line: printable, redacted, and not a whole pasted row."""
    names = sorted(redact(printable(c) or "").text for c in columns)
    text = ", ".join(n[:LISTED_NAME_CHARS] for n in names[:LISTED_COLUMNS])
    return text + (f", ... ({len(names)} columns)" if len(names) > LISTED_COLUMNS else "")


def has_surrogates(value: str | None) -> bool:
    return isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value)


def printable(value: str | None) -> str | None:
    """A value safe to store and show: undecodable bytes written as \\xNN escapes."""
    if not has_surrogates(value):
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
