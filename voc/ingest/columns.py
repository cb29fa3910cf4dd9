"""A source's columns against the input contract: the fields, `--map`, and the check each part of a source passes.

A part is what has one set of columns: a file (also each file of a drop folder), a table, a query's result. A
part that lacks a required field (after `--map`) stops the run with one line naming the part, the missing columns
and the `--map` that fixes it; a required field missing in one row only is that row's problem (quarantined by
`voc.ingest.validate`). Column names and values may carry undecodable bytes (surrogate escapes), shown as \\xNN.

A column is matched to a field by its name in any case (`Comment_ID`, `TEXT`: Excel exports capitalise), after
the trim of surrounding spaces; a `--map` names its column exactly and wins. Two columns that differ only in case
and would both give one field stop the run: voc cannot tell which one is meant. Columns that give no field are
ignored, and the run summary names them (`unused_columns`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from voc.errors import SourceError
from voc.text.redact import redact

REQUIRED = ("comment_id", "text", "created_at", "agent_id")
OPTIONAL = ("channel", "product", "team", "language", "csat", "nps", "ticket_id", "sentiment")
FIELDS = REQUIRED + OPTIONAL
KNOWN_COLUMN_SETS = 256  # distinct headers whose field names are remembered (a folder's files, a JSONL's key sets)
LISTED_COLUMNS = 20       # column names an error line lists: a whole pasted row is not a header
LISTED_NAME_CHARS = 40
DELIMITERS = ",;\t|"  # what CSV exports use: comma, semicolon (a German Excel), tab, pipe


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """`["text=comment_body"]` -> `{"comment_body": "text"}` (source column -> voc field)."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        target, sep, column = pair.partition("=")
        if not sep or not target.strip() or not column.strip():
            raise SourceError(f"--map {pair!r} is not FIELD=COLUMN, e.g. --map text=comment_body")
        if target.strip() not in FIELDS:
            raise SourceError(f"--map {pair!r}: unknown field {target!r}; fields are {', '.join(FIELDS)}")
        mapping[column.strip()] = target.strip()
    return mapping


def fields_of(part: Path | str, names: Iterable[str], mapping: dict[str, str]) -> dict[str, str]:
    """Column -> field, for the columns that give a field: a `--map` pair, else the field the name is in any case.
    SourceError when two columns differ only in case and both would give one field."""
    chosen = {c: mapping[c] for c in names if c in mapping}
    taken = set(chosen.values())
    by_field: dict[str, list[str]] = {}
    for c in names:
        if c not in mapping and c.casefold() in FIELDS and c.casefold() not in taken:
            by_field.setdefault(c.casefold(), []).append(c)
    for field, columns in by_field.items():
        if len(columns) > 1:
            both = " and ".join(repr(printable(c)) for c in sorted(columns))
            raise SourceError(f"{part}: columns {both} differ only in case and both would be read as {field}: "
                              f"rename one, or choose with --map {field}=<the one to read>")
        chosen[columns[0]] = field
    return chosen


@lru_cache(maxsize=KNOWN_COLUMN_SETS)
def _renames(names: tuple[str, ...], mapping: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The (column, field) pairs of a row's keys whose name is not already the field's (a row's keys passed
    `check_columns` with their part, so no two give one field)."""
    return tuple((c, f) for c, f in fields_of("", names, dict(mapping)).items() if c != f)


def as_fields(values: dict[str, str | None], mapping: dict[str, str]) -> dict[str, str | None]:
    """A row's values keyed by field where a column gives one (`fields_of`); other columns keep their names. A
    column named as a field that `--map` takes from another column gives way to it."""
    renames = _renames(tuple(values), tuple(sorted(mapping.items())))
    if not renames:
        return values
    gone = {c for c, _ in renames} | {f for _, f in renames}
    out = {k: v for k, v in values.items() if k not in gone}
    out.update((f, values[c]) for c, f in renames)
    return out


def unused_columns(rows: Iterable) -> list[str]:
    """The columns of raw rows (keyed by `as_fields`) that give no field and hold a value in some row: data voc does
    not read. An empty one (the column a trailing `;` of an Excel export makes) is not worth a line every night."""
    return sorted({k for r in rows for k, v in r.values.items() if k not in FIELDS and v is not None and v.strip()})


def check_columns(part: Path, names: Iterable[str] | None, mapping: dict[str, str],
                  folder: Path | None = None) -> set[str]:
    """The part's columns, or SourceError when they lack a required field after `mapping` (names in any case).
    `names` None: the part's columns are unknown (a JSONL file with no readable line), its rows say what is wrong.
    In a drop folder the message adds that nothing of the folder was read, so the night is read again once the
    file is fixed. `names` in the header's order (a list) lets an unnamed column be shown by its place."""
    if names is None:
        return set()
    missing = [c for c in REQUIRED if c not in fields_of(part, names, mapping).values()]
    if not missing:
        return set(names)
    after = (f" Nothing from the folder {folder} was read: fix {part.name} (or move it out of the folder) and run "
             "again." if folder is not None else "")
    absent = [c for c in mapping if c not in names]
    if absent and folder is None:
        raise SourceError(f"--map names column(s) {', '.join(absent)} that {part} does not have "
                          f"(it has: {listing(names)}){after_sentence(delimiter_hint(names))}")
    raise SourceError(f"{part} lacks required column(s) {', '.join(missing)} (it has: {listing(names)}); "
                      f"map yours with e.g. --map {missing[0]}=<your column> (a deployment's parameter: mapping: "
                      f"[\"{missing[0]}=<your column>\"]).{delimiter_hint(names)}{after}")


def sniff_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most columns (comma on a tie)."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def after_sentence(hint: str) -> str:
    """A hint that follows a sentence left without its full stop: the stop, then the hint; nothing without one."""
    return f".{hint}" if hint else ""


def delimiter_hint(names: Iterable[str]) -> str:
    """For an error about a header of one column: the delimiter looks wrong, and the likely one when that column
    holds one voc knows (a comma-separated file read with --delimiter ";" is one column 'comment_id,text,...')."""
    distinct = set(names)
    if len(distinct) != 1:
        return ""
    likely = sniff_delimiter(header := distinct.pop())
    if likely not in header:
        return " The header has one column only: is the file separated by another character? pass --delimiter"
    shown = "tabs" if likely == "\t" else f"'{likely}'"
    passed = "" if likely == "\t" else f"pass --delimiter \"{likely}\", or "
    return (f" The header is one column holding {shown}: the delimiter looks wrong; {passed}leave --delimiter out "
            "to detect it.")


def in_order(names: set[str] | None, rows: list) -> list[str] | set[str] | None:
    """A part's column names in the header's order where its first row has them all (a CSV's rows keep the header's
    order), else as they are."""
    first = list(rows[0].values) if rows else []
    return first if names is not None and set(first) == names else names


def check_mapped_columns_exist(source: Path, columns: set[str], mapping: dict[str, str]) -> None:
    """A `--map` column that no part of the source has is a typo: said, not ignored."""
    absent = [c for c in mapping if c not in columns]
    if absent:
        where = f"any file of {source}" if source.is_dir() else str(source)
        raise SourceError(f"--map names column(s) {', '.join(absent)} that {where} does not have "
                          f"(it has: {listing(columns)}){after_sentence(delimiter_hint(columns))}")


def listing(columns: Iterable[str]) -> str:
    """Column names for an error line: printable, redacted, and not a whole pasted row. An unnamed column is shown
    as "(unnamed column 3)", by its place when `columns` is the header's order (a list)."""
    ordered = isinstance(columns, list)
    names = sorted(redact(printable(c) or "").text if c else
                   f"(unnamed column{f' {i + 1}' if ordered else ''})" for i, c in enumerate(columns))
    names = list(dict.fromkeys(names))
    text = ", ".join(n if len(n) <= LISTED_NAME_CHARS else f"{n[:LISTED_NAME_CHARS - 1]}…"
                     for n in names[:LISTED_COLUMNS])
    return text + (f", ... ({len(names)} columns)" if len(names) > LISTED_COLUMNS else "")


def has_surrogates(value: str | None) -> bool:
    return isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value)


def printable(value: str | None) -> str | None:
    """A value safe to store and show: undecodable bytes written as \\xNN escapes."""
    if not has_surrogates(value):
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
