"""Find a CSV row whose quoted field swallowed the rows after it (an unclosed quote in a cut or damaged export).

A quoted field may hold line breaks: agents write notes over several lines, and such a row is read as one. But a
quote that is never closed (or closed many lines later) makes the reader take every following line into that one
field, so the rows on those lines are never read, and the row fails on some other column with a reason that points
elsewhere. The two differ in what the lines after the first look like: a note's further lines are prose; swallowed
lines look like rows of the file (they start like an id and split into as many cells as the header has). Such a
row is marked unreadable (`_error`, quarantined with that reason) and the file's summary says how many lines went
into it.
"""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voc.ingest.rows import RawRow

# what the first cell of a row looks like: an opaque id such as c000123, C-1042, 2026/11/15-7: no spaces, a digit
# (a note's line that starts with a word, "Termin, morgen, 10 Uhr, bitte", is prose however many commas it has)
ID_LIKE = re.compile(r"(?=[^0-9]*[0-9])[A-Za-z0-9][A-Za-z0-9_.:/#-]*")


def looks_like_row(line: str, delimiter: str, n_columns: int) -> bool:
    """A physical line that would be a row of this file by itself: as many cells as the header, an id first."""
    try:
        cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
    except csv.Error:
        return False
    return len(cells) == n_columns and bool(ID_LIKE.fullmatch(cells[0].strip()))


def swallowed_reason(lines: list[str], start: int, end: int, delimiter: str, n_columns: int,
                     end_of_file: bool) -> str | None:
    """The quarantine reason for a row read from lines `start`..`end` (1-based, header = line 1) of a file whose
    physical lines are `lines`, when the lines after its first look like rows; None for a legit multi-line note."""
    following = lines[start:end]  # lines start+1 .. end
    row_like = sum(looks_like_row(line, delimiter, n_columns) for line in following)
    if not row_like:
        return None
    until = f"the end of the file (line {end})" if end_of_file else f"line {end}"
    n = len(following)
    return (f"a quote opened on this line is not closed until {until}; {n} following line{'s' * (n != 1)} "
            f"({row_like} of them like rows of this file) {'were' if n != 1 else 'was'} read into this field: fix "
            "the quote and run again")


def mark_swallowing(row: RawRow, lines: list[str], end: int, delimiter: str, n_columns: int) -> None:
    """Mark a row read from several lines unreadable when those lines look like rows (an unclosed quote)."""
    reason = swallowed_reason(lines, row.line, end, delimiter, n_columns, end_of_file=end >= len(lines))
    if reason:
        row.values["_error"], row.swallowed = reason, end - row.line


def swallowed_summary(file: str, rows: list[RawRow]) -> list[tuple[str, str]]:
    """What the run summary says of the rows an unclosed quote swallowed in one file."""
    bad = [r for r in rows if r.swallowed]
    if not bad:
        return []
    where = ", ".join(f"line {r.line} took line{'s' * (r.swallowed > 1)} {r.line + 1}"
                      f"{f'-{r.last_line}' if r.swallowed > 1 else ''}" for r in bad)
    return [(file, f"{file} has {rows[-1].last_line - 1} data lines but {len(rows)} rows were read: an unclosed quote "
            f"({where}); those lines are quarantined in one row, not read: fix the quote and run again")]
