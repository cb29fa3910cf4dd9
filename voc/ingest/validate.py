"""Check raw rows against the input contract; each failing row gets one reason.

Valid rows become `Comment`s. Failing rows become `Rejected` rows that the store
keeps in `quarantine` with where to find the row (a file's line, a table's row) and
the reason: nothing is dropped.

The rules, in one place:
- required: comment_id, text, created_at, agent_id; ids are one line of at most
  MAX_ID_CHARS printable characters (an id ends up in file names, e-mail addresses, URLs),
  without personal data (an e-mail address, phone number, IBAN or card number, a person's
  name or a salutation: `voc.ingest.ids`): ids are keys, stored and shown as they are, never
  redacted, so such a row is quarantined, its copy of the id replaced by a placeholder;
- created_at: ISO 8601 (a zone such as `Z` or `+05:00` is converted to UTC; times
  without a zone are taken as given), German `02.11.2026 14:30`, or `02/11/2026`
  read day first (`date_order="mdy"` reads it month first); between MIN_CREATED_AT
  and a day after now (a year 1 or 2099 would zero every trend);
- text: any length up to MAX_STORED_CHARS is kept, its runs of whitespace made one
  space and control characters (NUL, bell, escape: never part of what a customer
  said, and a terminal or a byte-string reader acts on them) removed; over
  `max_text_chars` it is marked `truncated` and only that many characters are embedded;
- channel, product, team, language, ticket_id: optional, made one line the same way (an ESC in a channel
  would reach every terminal that lists segments);
- a lost character (U+FFFD, e.g. an emoji an export dropped) is kept; bytes that
  are not valid in the file's encoding quarantine the row;
- csat 1-5, nps 0-10, whole numbers (`3,5`, an averaged score, is quarantined as not whole: rounding would
  invent a score nobody gave).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from voc.errors import ConfigError
from voc.ingest.columns import has_surrogates
from voc.ingest.encoding import cp1252_hint
from voc.ingest.ids import MAX_ID_CHARS, id_problem, without_personal_ids
from voc.ingest.rows import RawBatch, RawRow
from voc.sentiment.labels import parse_label
from voc.text.escape import one_line

DATE_FORMATS = {
    "dmy": ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"),
    "mdy": ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y"),
}
SCORE_RANGES = {"csat": (1, 5), "nps": (0, 10)}
MIN_CREATED_AT = datetime(2000, 1, 1)  # older dates in agent notes are placeholders (0001-01-01, 1970-01-01)
MAX_FUTURE = timedelta(days=1)         # allows for clocks and time zones, not for typos such as 2099
MAX_STORED_CHARS = 1_000_000           # a pasted mail thread fits; a larger value is a document dump, refused
DEFAULT_MAX_TEXT_CHARS = 5000          # what is embedded of a long comment (the rest is stored, not embedded)


@dataclass
class Comment:
    comment_id: str
    text: str
    created_at: datetime
    agent_id: str
    channel: str | None = None
    product: str | None = None
    team: str | None = None
    language: str | None = None
    csat: int | None = None
    nps: int | None = None
    ticket_id: str | None = None
    truncated: bool = False  # longer than max_text_chars: only the first max_text_chars characters are embedded
    sentiment: str | None = None


@dataclass
class Rejected:
    row_number: int
    file: str
    comment_id: str | None
    reason: str
    raw: dict[str, str | None]
    where: str  # where a person finds the row: "bad.csv line 4", "notes row 3" (RawRow.where)


class RowInvalid(ValueError):
    """One value of one row breaks the contract; the message is the quarantine reason."""


def _strptime_any(text: str, formats: tuple[str, ...]) -> datetime | None:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_timestamp(value: str, date_order: str = "dmy", now: datetime | None = None) -> datetime:
    """A naive UTC-or-as-given datetime inside [MIN_CREATED_AT, now + MAX_FUTURE], or RowInvalid."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _strptime_any(text, DATE_FORMATS[date_order])
    if parsed is None:
        other = next(((o, d) for o in DATE_FORMATS if o != date_order
                      for d in [_strptime_any(text, DATE_FORMATS[o])] if d), None)
        hint = f", or pass --date-order {other[0]}, which reads it as {other[1]:%d %B %Y}" if other else ""
        raise RowInvalid(f"created_at {value!r} is not a date (use ISO 8601, e.g. 2026-11-02 14:30{hint})")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    latest = (now or datetime.now(timezone.utc).replace(tzinfo=None)) + MAX_FUTURE
    if not MIN_CREATED_AT <= parsed <= latest:
        raise RowInvalid(f"created_at {value!r} is outside {MIN_CREATED_AT:%Y-%m-%d} .. {latest:%Y-%m-%d}: "
                         "a placeholder or a typo")
    return parsed


def _score(name: str, value: str | None) -> int | None:
    if value is None or not str(value).strip():
        return None
    lo, hi = SCORE_RANGES[name]
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise RowInvalid(f"{name} {value!r} is not a number ({lo}-{hi})") from None
    if not number.is_integer():  # 3,5: an averaged score; the contract takes whole ones (rounding would invent one)
        raise RowInvalid(f"{name} {value!r} is not a whole number from {lo} to {hi}")
    if not lo <= number <= hi:
        raise RowInvalid(f"{name} {value!r} is out of range ({lo}-{hi})")
    return int(number)


def _sentiment(value: str | None) -> str | None:
    try:
        return parse_label(value)
    except ValueError as exc:
        raise RowInvalid(f"sentiment {exc}") from None


def _required(values: dict, name: str) -> str:
    value = values.get(name)
    if value is None or not str(value).strip():
        raise RowInvalid(f"{name} is missing")
    return str(value).strip()


def _identifier(values: dict, name: str) -> str:
    """An id is a key: it is stored and shown as it is, so it may not hold personal data (it is not redacted)."""
    value = _required(values, name)
    if len(value) > MAX_ID_CHARS or not value.isprintable():
        raise RowInvalid(f"{name} must be one line of at most {MAX_ID_CHARS} printable characters")
    problem = id_problem(value)
    if problem:  # the reason names the kind, never the value
        raise RowInvalid(f"{name} {problem}: use an opaque id (e.g. C-1042, A07) instead of personal data")
    return value


def _optional(values: dict, name: str) -> str | None:
    """An optional field (channel, product, team, language, ticket_id) as one line without control characters."""
    value = values.get(name)
    return one_line(str(value)) or None if value is not None else None


def parse_row(row: RawRow, max_text_chars: int = DEFAULT_MAX_TEXT_CHARS, date_order: str = "dmy",
              now: datetime | None = None) -> Comment:
    """Turn one raw row into a Comment or raise RowInvalid with the reason."""
    values = row.values
    if "_error" in values:
        raise RowInvalid(values["_error"] or "unreadable line")
    broken = [k for k, v in values.items() if has_surrogates(v) or has_surrogates(k)]
    if broken:
        names = ", ".join(sorted(map(str, broken)))[:200]
        if all(cp1252_hint(p) for k, v in values.items() for p in (str(k), v) if has_surrogates(p)):
            raise RowInvalid(f"broken encoding in {names} (not valid UTF-8, but reads as Windows-1252): re-save the "
                             "file as UTF-8, or pass --encoding cp1252 if the whole file is Windows-1252")
        raise RowInvalid(f"broken encoding in {names} (not valid in the file's encoding): fix the row or pass "
                         "--encoding")
    comment_id = _identifier(values, "comment_id")
    text = one_line(_required(values, "text"))
    if not text:
        raise RowInvalid("text holds only control characters (such as NUL): nothing a customer said")
    if len(text) > MAX_STORED_CHARS:
        raise RowInvalid(f"text is {len(text)} characters, more than the {MAX_STORED_CHARS} a comment may have")
    return Comment(
        comment_id=comment_id,
        text=text,
        created_at=parse_timestamp(_required(values, "created_at"), date_order, now),
        agent_id=_identifier(values, "agent_id"),
        channel=_optional(values, "channel"),
        product=_optional(values, "product"),
        team=_optional(values, "team"),
        language=(_optional(values, "language") or "").lower()[:2] or None,
        csat=_score("csat", values.get("csat")),
        nps=_score("nps", values.get("nps")),
        ticket_id=_optional(values, "ticket_id"),
        truncated=len(text) > max_text_chars,
        sentiment=_sentiment(values.get("sentiment")),
    )


def validate(batch: RawBatch, max_text_chars: int = DEFAULT_MAX_TEXT_CHARS, date_order: str = "dmy",
             now: datetime | None = None) -> tuple[list[Comment], list[Rejected]]:
    """Split a batch into valid comments and rejected rows (first occurrence of an id wins)."""
    if date_order not in DATE_FORMATS:
        raise ConfigError(f"--date-order must be one of {', '.join(DATE_FORMATS)}")
    comments: list[Comment] = []
    rejected: list[Rejected] = []
    seen: dict[str, RawRow] = {}
    for row in batch.rows:
        try:
            comment = parse_row(row, max_text_chars, date_order, now)
            if comment.comment_id in seen:
                first = seen[comment.comment_id]
                where = first.position if first.file == row.file else first.where
                raise RowInvalid(f"comment_id {comment.comment_id!r} repeats {where} of this input")
        except RowInvalid as exc:
            values = without_personal_ids(row.values)
            rejected.append(Rejected(row.row_number, row.file, values.get("comment_id"), str(exc), values, row.where))
            continue
        seen[comment.comment_id] = row
        comments.append(comment)
    return comments, rejected
