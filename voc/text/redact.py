"""Redact personal data before text is embedded, stored, logged or shown.

Each match is replaced by a placeholder such as `[EMAIL]`, and the number of
redactions per kind is counted. The kinds, in the order they are applied:

- email: addresses, including umlauts in the name or domain (`jürgen@müller-bäcker.de`);
- dob: a date of birth after a label ("geb.", "geboren am", "Geburtsdatum", "born", "DOB", "date of birth");
  dates without such a label stay (they tell when the problem happened);
- iban: by shape with any grouping (spaces, dashes, dots; a wrong check digit is still
  somebody's account), and after a label ("IBAN", "Kontonummer", "BLZ", "sort code", ...)
  however mistyped, when the tokens after it hold at least MIN_ACCOUNT_DIGITS digits;
- ip: IPv4 (`203.0.113.77`, not after "Version"/"v"/"build") and IPv6 (`2001:db8::ff00:42:8329`);
- customer_no / order_no: the value after a label such as "Kundennummer", "Kd-Nr",
  "customer id", "Bestellnummer", "order no", "Rechnungsnummer", "Vertragsnummer", and a number of five digits or
  more after "order", "purchase", "invoice", "bill", "Bestellung", "Rechnung", "Auftrag" ("order 00456123",
  "invoice #37777"): an order, not a phone or card number that a Luhn check passes by chance;
- card: 13-19 digits in any grouping that pass the Luhn check (order numbers of the
  same length that fail it stay readable);
- phone: international (`+49`, `0049`, `49 171 ...`), national (`030 1234567`, `0171 555 02 01`,
  `(030) 123 456`), North American (`(212) 555-0198`), with an extension (`-89`, `ext. 12`), and any run of
  digits after a label ("Tel", "Rufnummer", "Handy", "phone": `Tel 0 30 / 55 50 12 34`, `phone 555-0198`);
- address: a street with its number (`Hauptstraße 5`, `Am Markt 3`, `221B Baker Street`, `10 Downing St`), a
  postcode with its town (`10115 Berlin`), after its label (`PLZ 10115`) and a UK postcode (`NW1 6XE`);
- name: the name after a salutation ("Herr Müller", "frau meier", "Herr Prof. Dr. Weber", "geb. Schulz") and
  after a word for the customer ("Kunde Max Mustermann", "Kundin Schulz ruft an", "Name: Meier"), told from the
  nouns German capitalises ("Kunde Vertrag gekündigt" stays), and a common first name with a surname ("invoice
  from Anna Freeman"): see `voc.text.names`.

Every rule reads the text with each run of whitespace as one space, so personal data split by a line break is found
("Herr\nQuandtmeyer, Tel 0171\n5550201"); the text keeps its line breaks wherever it is kept (a PM's note).

Regular expressions, not a model: they run offline at ~100k comments a minute, and
each rule is tested with generated values (tests/test_properties.py). The patterns and the checks a match must pass
are in `voc.text.redact_rules`; this module applies them in order (`STEPS`) and tells whether an id holds personal
data (`personal_data_in_id`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from voc.text import redact_rules as rules
from voc.text.names import NAME_STEPS

_WHITESPACE = re.compile(r"\s+")  # a run of whitespace, read as one space by every rule


@dataclass
class Redaction:
    text: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


Edit = tuple[int, int, str]                   # replace text[start:end] with a placeholder
Step = Callable[[str, Counter], list[Edit]]   # a rule: the edits it makes in a text, counted per kind


def _rule(pattern: re.Pattern, kind: str, check: Callable[[re.Match], bool] | None = None,
          keep_prefix: bool = False, count: bool = True) -> Step:
    """A pattern's matches (those `check` accepts) become `[KIND]`; with keep_prefix the label in group 1 stays."""
    def step(text: str, counts: Counter) -> list[Edit]:
        edits = []
        for match in pattern.finditer(text):
            if check and not check(match):
                continue
            if count:
                counts[kind] += 1
            edits.append((match.end(1) if keep_prefix else match.start(), match.end(), f"[{kind.upper()}]"))
        return edits
    return step


def _labeled_accounts(text: str, counts: Counter) -> list[Edit]:
    """After a label such as "IBAN" or "Kontonummer", redact the account-like tokens that follow when they hold
    at least MIN_ACCOUNT_DIGITS digits, however mistyped ("IBAN GB2 WEST 1234 5698 7654 32"). Stops at the first
    ordinary word."""
    edits, pos = [], 0
    for label in rules.ACCOUNT_LABEL.finditer(text):
        if label.start() < pos:
            continue
        end, digits, i = label.end(), 0, 0
        for token in re.finditer(r"\S+", text[label.end():]):
            word = token.group(0).rstrip(".,;:")
            if not rules.ACCOUNT_TOKEN.fullmatch(word) or (not any(c.isdigit() for c in word) and i > 1):
                break
            digits += sum(c.isdigit() for c in word)
            end, i = label.end() + token.start() + len(word), i + 1
        if digits >= rules.MIN_ACCOUNT_DIGITS:
            edits.append((label.end(), end, "[IBAN]"))
            counts["iban"] += 1
            pos = end
    return edits


# In this order: an e-mail address or a DOB holds digits other rules would take; a labelled reference is not a phone
# or card number; names last ("Kunde Meier Hauptstraße 5" has a name and an address).
STEPS: list[Step] = [
    _rule(rules.EMAIL, "email"), _rule(rules.DOB, "dob", keep_prefix=True), _rule(rules.IBAN, "iban"),
    _labeled_accounts, *[_rule(p, kind, rules.order_reference, keep_prefix=True) for kind, p in rules.REFERENCES],
    _rule(rules.IP, "ip", rules.not_a_version),
    _rule(rules.PHONE_LABEL, "phone", rules.labeled_phone, keep_prefix=True),
    _rule(rules.CARD, "card", lambda m: rules.luhn_ok(rules.digits_of(m.group(0)))), _rule(rules.PHONE, "phone"),
    _rule(rules.PHONE_EXTENSION, "phone", count=False),
    _rule(rules.MARKED_NUMBER, "order_no", rules.marked_reference, keep_prefix=True),
    _rule(rules.STREET, "address"), _rule(rules.PREPOSITION_STREET, "address", rules.a_street),
    _rule(rules.POSTCODE_TOWN, "address"), _rule(rules.POSTCODE_LABEL, "address", keep_prefix=True),
    _rule(rules.UK_POSTCODE, "address"),
    *NAME_STEPS,
]


def _apply(text: str, edits: list[Edit], origin: list[int] | None) -> tuple[str, list[int] | None]:
    """The text with the edits made; `origin` follows each character back to the one-space text (-1: a placeholder)."""
    parts, kept, pos = [], [], 0
    for start, end, new in edits:
        parts += [text[pos:start], new]
        if origin is not None:
            kept += origin[pos:start] + [-1] * len(new)
        pos = end
    parts.append(text[pos:])
    return "".join(parts), (kept + origin[pos:] if origin is not None else None)


def redact(text: str) -> Redaction:
    """Return the text with personal data replaced and the count per kind. The rules read each run of whitespace as
    one space (a name or number split by a line break is found); the runs outside what was replaced are kept."""
    counts: Counter = Counter()
    flat = _WHITESPACE.sub(" ", text)
    origin = None if flat == text else list(range(len(flat)))
    for step in STEPS:
        edits = step(flat, counts)
        if edits:
            flat, origin = _apply(flat, edits, origin)
    if origin is None:
        return Redaction(flat, counts)
    runs, shift = {}, 0
    for run in _WHITESPACE.finditer(text):  # where each run of whitespace stands in the one-space text
        runs[run.start() - shift] = run.group(0)
        shift += len(run.group(0)) - 1
    return Redaction("".join(runs.get(o, c) if c == " " else c for c, o in zip(flat, origin)), counts)


def redact_text(value: str | None) -> str | None:
    """The redacted text of a value that may be missing (a note, a ticket id, an error message)."""
    return redact(value).text if isinstance(value, str) else value


def person(by: str) -> str:
    """Who made a change (`--by`, a login), as stored and shown: an e-mail address, a phone number, a name after a
    salutation redacted ("Herr [NAME] [EMAIL]"); a plain login such as "anna" or "pm.anna" stays as it is."""
    return redact(" ".join(by.split())).text


def redact_values(values: dict[str, str | None]) -> dict[str, str | None]:
    """Redact every text value of a raw row (for the quarantine table)."""
    return {k: redact_text(v) for k, v in values.items()}


# What an identifier may not hold, with the words a quarantine reason uses for it.
ID_PERSONAL_DATA = {"email": "an e-mail address", "iban": "an IBAN", "card": "a payment card number",
                    "phone": "a phone number"}


def personal_data_in_id(value: str) -> str | None:
    """The kind of personal data an identifier holds ("email", "iban", "card", "phone"), or None. The detectors of
    `redact`, with what an id needs on top: an IBAN has valid check digits, and a plain run of digits (no "+",
    no separators) or digits inside a longer code ("C-0301-234567") are an id as CRMs issue them, not a phone or
    card number."""
    checks = {"email": rules.EMAIL, "iban": rules.IBAN, "card": rules.CARD, "phone": rules.PHONE}
    for kind, pattern in checks.items():
        for match in pattern.finditer(value):
            if _id_holds(kind, match.group(0), value[:match.start()]):
                return kind
    return None


def _id_holds(kind: str, found: str, before: str) -> bool:
    if kind == "iban":
        return rules.iban_ok(found)
    if found.isdigit() or (before and not before[-1].isspace() and before[-1] != "+"):
        return False  # 01712345678 or C-0301-234567: an id's own number
    if kind == "card":  # no card number starts with 0 or follows a "+": that is a phone number (0049 ..., +49 ...)
        return rules.luhn_ok(rules.digits_of(found)) and not found.startswith("0") and not before.endswith("+")
    return True
