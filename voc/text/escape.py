"""Escape what users wrote (comments, theme names, notes, agent ids) for the medium it is shown in.

One function per medium, used by every writer of that medium:
- `csv_cell`: a spreadsheet runs a cell that starts with = + - @ (or a tab / carriage
  return before one) as a formula; such cells get a leading apostrophe (OWASP's advice);
- `csv_table`: the same for every text column of an Arrow table (numbers stay numbers);
- `markdown`: HTML tags and Markdown syntax are shown as text, not rendered.
HTML goes through `html.escape` (the report) or Jinja2's autoescape (the web app); the CLI's
consoles have Rich markup switched off (`voc.cli.common`), so `[/bold]` in a note is printed as it is.
"""

from __future__ import annotations

import html
import re

import pyarrow as pa

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~])")


def csv_cell(value):
    """A value safe in a spreadsheet cell: text that would start a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_table(table: pa.Table) -> pa.Table:
    """Every text column made spreadsheet-safe; list columns joined with ' | ' first (CSV has no lists)."""
    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_list(col.type):
            col = pa.array([" | ".join(str(x) for x in (v or [])) for v in col.to_pylist()], pa.string())
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pa.array([csv_cell(v) for v in col.to_pylist()], pa.string())
        columns[name] = col
    return pa.table(columns)


def markdown(value) -> str:
    """Text shown literally in Markdown: HTML escaped, Markdown syntax backslash-escaped, one line."""
    text = " ".join(str(value if value is not None else "").split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
