"""Escape what users wrote (comments, theme names, notes, agent ids) for the medium it is shown in.

One function per medium, used by every writer of that medium:
- `csv_cell`: a spreadsheet runs a cell that starts with = + - @ (or a tab / carriage
  return before one) as a formula; such cells get a leading apostrophe (OWASP's advice);
- `csv_table`: the same for every text column of an Arrow table (numbers stay numbers);
- `markdown`: HTML tags and Markdown syntax are shown as text, not rendered (the handoff's summary);
- `chat`: a webhook's message, which chat tools render as Markdown (Mattermost, Teams, Rocket.Chat, Discord) or as
  Slack's mrkdwn: `&`, `<`, `>` as entities (what Slack's formatting reference asks for: it reads `<...>` as links and
  mentions, `<!channel>`; CommonMark reads the entities back), Markdown's inline syntax backslash-escaped (Slack has
  no escape character: there the backslash shows, and the character after it formats nothing), a mention
  (`@channel`) broken by a zero-width space (as discord.py's `escape_mentions`), line breaks kept (each line's
  indentation dropped: four spaces would start a code block) and what starts a block at a line's start escaped;
- `jira`: Jira's wiki markup (the Jira CSV's Description): each character Jira lets a backslash escape (its text
  formatting notation: `\X`), a backslash, which Jira cannot escape (`\\` is a line break), as `&#92;` (as
  pandoc's Jira writer does), one line;
- `http_url`: a link's address only when it is http(s) (a `javascript:` link would run in the page);
- `plotly_text`: Plotly reads a subset of HTML in every label, title, legend and hover text (`<b>`, `<a href>`,
  `<br>`, entities), so text in a web chart has `&`, `<` and `>` as entities (`voc.web.charts` escapes every figure).
HTML goes through `html.escape` (the report) or Jinja2's autoescape (the web app); the CLI's
consoles have Rich markup switched off (`voc.cli.common`), so `[/bold]` in a note is printed as it is.

Control characters are not escaped for each medium but removed where values come in (`without_controls`: ingest's
fields, every value a product manager or an agent types into the CLI or the web app), so what is stored is clean:
an ESC in a channel or a theme name would otherwise clear or recolour the terminal of whoever lists it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

import pyarrow as pa

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LOST = "\ufffd"  # the replacement character: what a character that could not be read is shown as
# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder what follows them when shown.
BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~])")
# What starts a Markdown block at the start of a line, but for the characters escaped wherever they stand: a list
# item ("- x", "+ x", "1. x", "1) x"), a heading ("# x"), a setext heading's underline ("==="), a thematic break.
_BLOCK_START = re.compile(r"^([ \t]*)([-+=#])", re.MULTILINE)
_BLOCK_NUMBER = re.compile(r"^([ \t]*\d+)([.)])", re.MULTILINE)  # "1\. x": the number stays, its dot is escaped
# Inline syntax of Markdown and of Slack's mrkdwn: code, emphasis (* _ ~), links and images ([ ]), tables (|), the
# escape character itself. Brackets and pipes suffice for links: "(" and ")" format nothing without a "]" before them.
_CHAT_SPECIAL = re.compile(r"([\\`*_~\[\]|])")
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)  # four spaces start a code block, which shows entities as typed
_MENTION = re.compile(r"@(?=\w)")  # @channel, @here, @all, @everyone, @user: a notification to many
ZERO_WIDTH_SPACE = "\u200b"
# What Jira's wiki renderer lets a backslash escape: effects (* _ ?? - + ^ ~ {{ }}), links and mentions ([ | ]),
# images (!), macros ({color}, {code}), lists and headings (# * -), emoticons ("(!)", ":)"), "@" and "%".
JIRA_SPECIAL = "-#*_+?^~|%{}[]()!@"
# Jira reads "\\" as a line break and "\X" as an escape, so a backslash is written as an entity, which Jira shows as
# the character; an "&" only where it would start an entity ("&copy;" as typed, "A & B" as it is).
JIRA_ENTITIES = {"\\": "&#92;", "&": "&amp;"}
_JIRA_ESCAPE = re.compile("[" + re.escape(JIRA_SPECIAL) + r"\\]|&(?=#?\w+;)")


def without_controls(text: str) -> str:
    """`text` without control characters (Unicode category Cc: NUL, bell, ESC, DEL, the C1 controls such as CSI)
    other than whitespace (a note keeps its line breaks): a terminal or a byte-string reader acts on them, and they
    are never part of what anyone meant to write. Nor the bidirectional overrides and isolates (`BIDI_CONTROLS`): one
    turns the rest of a line around in every medium ("\u202eredael" reads "leader"), so a comment or a note could
    show other words than it holds. A lone surrogate (a byte a terminal sent that is not UTF-8) becomes U+FFFD, a lost
    character, as in ingest: it cannot be stored."""
    return "".join(ch if unicodedata.category(ch) != "Cs" else LOST for ch in text
                   if ch.isspace() or (unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS))


def one_line(text: str) -> str:
    """`text` as one line: control characters removed, every run of whitespace (line breaks too) one space."""
    return " ".join(without_controls(text).split())


def http_url(value: str | None) -> str | None:
    """`value` when it is an http(s) address with a host, the only links voc stores and shows (a ticket link); else
    None: a `javascript:` or `data:` link would run in the page of whoever clicks it."""
    text = (value or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. "http://[" (a broken IPv6 host)
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def plotly_text(value: str) -> str:
    """Text Plotly shows as it is written: `&`, `<`, `>` as the entities Plotly turns back into those characters
    (it knows no `&quot;`, and a quote is no markup outside a tag, so quotes stay)."""
    return html.escape(value, quote=False)


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


def _literal_lines(text: str) -> str:
    """`text` with what would start a Markdown block at the start of one of its lines escaped ("\\- x", "1\\. x")."""
    return _BLOCK_START.sub(r"\1\\\2", _BLOCK_NUMBER.sub(r"\1\\\2", text))


def markdown(value) -> str:
    """Text shown literally in Markdown: HTML escaped, Markdown syntax backslash-escaped, one line."""
    text = " ".join(str(value if value is not None else "").split())
    return _literal_lines(_MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)))


def chat(value) -> str:
    """Text a chat tool shows as written, whether it reads the message as Markdown or as Slack's mrkdwn: no bold, no
    link, no mention, no HTML; line breaks kept (a note over several lines). What each character becomes: see the
    module's docstring."""
    text = without_controls(str(value if value is not None else "")).replace("\r\n", "\n").replace("\r", "\n")
    text = html.escape(_INDENT.sub("", text), quote=False)
    return _literal_lines(_MENTION.sub("@" + ZERO_WIDTH_SPACE, _CHAT_SPECIAL.sub(r"\\\1", text)))


def jira(value) -> str:
    """Text Jira shows as written in a wiki-markup field (an issue's Description): one line, each of `JIRA_SPECIAL`
    after a backslash, a backslash and the start of an entity as entities (`JIRA_ENTITIES`)."""
    return _JIRA_ESCAPE.sub(lambda m: JIRA_ENTITIES.get(m.group(0), "\\" + m.group(0)),
                            one_line(str(value if value is not None else "")))
