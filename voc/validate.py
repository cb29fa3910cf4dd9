"""Check raw rows against the input contract; each failing row gets one reason.

Valid rows become `Comment`s. Failing rows become `Rejected` rows that the store
keeps in `quarantine` with the row number and the reason: nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from voc.ingest import RawBatch, RawRow
from voc.sentiment_labels import parse_label

DATE_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y")
SCORE_RANGES = {"csat": (1, 5), "nps": (0, 10)}


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
    sentiment: str | None = None


@dataclass
class Rejected:
    row_number: int
    file: str
    comment_id: str | None
    reason: str
    raw: dict[str, str | None]


class RowInvalid(ValueError):
    """One value of one row breaks the contract; the message is the quarantine reason."""


def parse_timestamp(value: str) -> datetime:
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise RowInvalid(f"created_at {value!r} is not a date (use ISO 8601, e.g. 2026-11-02 14:30)")
    if parsed.tzinfo is not None:  # store naive UTC
        parsed = datetime.fromtimestamp(parsed.timestamp()).replace(tzinfo=None)
    return parsed


def _score(name: str, value: str | None) -> int | None:
    if value is None or not str(value).strip():
        return None
    lo, hi = SCORE_RANGES[name]
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise RowInvalid(f"{name} {value!r} is not a number ({lo}-{hi})") from None
    if not number.is_integer() or not lo <= number <= hi:
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


def _optional(values: dict, name: str) -> str | None:
    value = values.get(name)
    return str(value).strip() or None if value is not None else None


def _is_broken(text: str) -> bool:
    return "\ufffd" in text or any("\udc80" <= ch <= "\udcff" for ch in text)


def parse_row(row: RawRow, max_text_chars: int) -> Comment:
    """Turn one raw row into a Comment or raise RowInvalid with the reason."""
    values = row.values
    if "_error" in values:
        raise RowInvalid(values["_error"] or "unreadable line")
    broken = [k for k, v in values.items() if v is not None and _is_broken(v)]
    if broken:
        raise RowInvalid(f"broken encoding in {', '.join(broken)} (not valid UTF-8)")
    comment_id = _required(values, "comment_id")
    text = _required(values, "text")
    if len(text) > max_text_chars:
        raise RowInvalid(f"text is {len(text)} characters, more than the {max_text_chars} allowed")
    return Comment(
        comment_id=comment_id,
        text=" ".join(text.split()),
        created_at=parse_timestamp(_required(values, "created_at")),
        agent_id=_required(values, "agent_id"),
        channel=_optional(values, "channel"),
        product=_optional(values, "product"),
        team=_optional(values, "team"),
        language=(_optional(values, "language") or "").lower()[:2] or None,
        csat=_score("csat", values.get("csat")),
        nps=_score("nps", values.get("nps")),
        ticket_id=_optional(values, "ticket_id"),
        sentiment=_sentiment(values.get("sentiment")),
    )


def validate(batch: RawBatch, max_text_chars: int = 5000) -> tuple[list[Comment], list[Rejected]]:
    """Split a batch into valid comments and rejected rows (first occurrence of an id wins)."""
    comments: list[Comment] = []
    rejected: list[Rejected] = []
    seen: dict[str, int] = {}
    for row in batch.rows:
        raw_id = row.values.get("comment_id")
        try:
            comment = parse_row(row, max_text_chars)
            if comment.comment_id in seen:
                raise RowInvalid(f"comment_id {comment.comment_id!r} repeats row {seen[comment.comment_id]} of this input")
        except RowInvalid as exc:
            rejected.append(Rejected(row.row_number, row.file, raw_id, str(exc), row.values))
            continue
        seen[comment.comment_id] = row.row_number
        comments.append(comment)
    return comments, rejected
