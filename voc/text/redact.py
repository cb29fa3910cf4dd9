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
each rule is tested with generated values (tests/test_properties.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from voc.text.names import NAME_STEPS

MIN_ACCOUNT_DIGITS = 6  # a sort code has 6, a BLZ 8, an account number 7-10: fewer is a quantity or a date
MIN_IBAN_CHARS, MAX_IBAN_CHARS = 15, 34  # Norway's IBANs are the shortest, ISO 13616 allows up to 34
MIN_LABELED_PHONE_DIGITS = 6   # "Tel 555-0198" (7) is a number to call; "Tel 2x" or "Handy 2 Jahre alt" are not
MIN_ORDER_DIGITS = 5           # "order 00456123"; "Rechnung 2024" (a year) and "order 3 items" are not references
MAX_PHONE_DIGITS = 15          # E.164: a longer run after "Tel" is something else (a tracking number)

_WHITESPACE = re.compile(r"\s+")

_SEP = r"[ .\-/]"
# A line break may follow the "@" ("zq.nl@\nexample.org" in a note).
_EMAIL = re.compile(r"[\w.%+-]+@[ ]?[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# Country code, check digits, an optional letter bank code (GB: "WEST"), then 8-30 digits in any grouping.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[ .-]?(?:[A-Z]{1,4}[ .-]?)?(?:\d[ .-]?){7,29}\d\b", re.IGNORECASE)
_CARD = re.compile(r"(?<![\d\w])(?:\d[ .-]?){12,18}\d(?!\d)")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}[ /.-]?(?:\(0\)[ ]?)?(?:\(?\d+\)?[ /.-]?){1,6}\d\b"   # +49 171 1234567
    r"|(?<![\w.])(?:49|43|41)[ /.-]\(?0?[1-9]\d{1,4}\)?[ /.-]?\d{3,}(?:[ /.-]?\d{2,})*\b"    # 49 171 1234567
    r"|(?<![\w])\(0[1-9]\d{1,4}\)[ /.-]?\d{2,}(?:[ /.-]?\d{2,})*\b"                        # (030) 123 456
    r"|(?<![\w.])0[1-9]\d{1,4}[ /-]?\d{2,4}(?:[ /.-]?\d{2,8}){1,3}\b"                       # 0171 555 02 01
    r"|(?<![\w])\(\d{3}\)[ ]?\d{3}[ .-]\d{4}\b|(?<![\w.])\d{3}[.-]\d{3}[.-]\d{4}\b"         # (212) 555-0198
)
# After a label, a run of digits in any grouping is a phone number ("Tel 0 30 / 55 50 12 34", "phone 555-0198").
_PHONE_LABEL = re.compile(r"(\b(?:tel(?:efon)?(?:nummer)?|rufnummer|r(?:ü|ue)ckruf(?:nummer)?|call(?:[ ]?back)?"
                          r"|handy(?:nummer)?|mobil(?:nummer)?|mobile|festnetz|phone(?:[ ]number)?|cell(?:[ ]?phone)?"
                          r"|fax|whats[ ]?app)"
                          r"\.?[ ]?:?[ ]*(?:(?:unter|an|on|at|is|no\.?|nr\.?)[ ]+)?)"
                          r"(\+?\(?\d[\d ()/.-]{4,}\d)(?!\w)", re.IGNORECASE)
_DATE_SHAPE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")  # "Tel 12.03.2026" is when, not a number to call
_PHONE_EXTENSION = re.compile(r"\[PHONE\](?:[ ]?(?:-|/|ext\.?|x|durchwahl|dw\.?)[ ]?\d{1,6}\b)", re.IGNORECASE)
_ACCOUNT_LABEL = re.compile(r"\b(?:iban|kontonummer|konto-?nr\.?|konto|account number|account no\.?|acct\.?|"
                            r"blz|bankleitzahl|sort code|routing number|bic)[:.#]?[ ]+", re.IGNORECASE)
_ACCOUNT_TOKEN = re.compile(r"[A-Za-z0-9]{1,12}")
_REFERENCES = [
    ("customer_no", re.compile(r"\b((?:kundennummer|kundennr\.?|kunden-nr\.?|kd\.?[ -]?nr\.?"
                              r"|customer (?:no\.?|number|id)"
                              r"|vertragsnummer|vertrags-nr\.?|contract (?:no\.?|number)|account id)[:#.]?[ ]*)"
                              r"([A-Za-z]{0,4}[-/]?\d[\w/-]{2,})", re.IGNORECASE)),
    ("order_no", re.compile(r"\b((?:bestellnummer|bestell-?nr\.?|bestellung nr\.?|auftragsnummer|auftrags-nr\.?|"
                           r"rechnungsnummer|rechnungs-nr\.?|order (?:no\.?|number|id)|invoice (?:no\.?|number))"
                           r"[:#.]?[ ]*)([A-Za-z]{0,4}[-/]?\d[\w/-]{2,})", re.IGNORECASE)),
    # After "order", "purchase", "invoice", "Bestellung", "Rechnung" a number is the order's: with "no", "nr", "#",
    # or of MIN_ORDER_DIGITS digits and more ("order 00456123"; a year, "Rechnung 2024", or "order 3 items" stays).
    ("order_no", re.compile(r"\b((?:orders?|purchases?|invoices?|bills?|receipts?|bestellung(?:en)?|rechnung(?:en)?"
                            r"|auftrag)(?P<marker>[ ]?(?:no\.?|nr\.?|number|nummer|id)(?!\w)|[ ]?#)?"
                            r"[ ]?:?[ ]*(?:is[ ]+)?#?)(?P<value>[A-Za-z]{0,3}[-/]?\d[\d/-]*\d)(?![\w@])",
                            re.IGNORECASE)),
]
# A date of birth: the date after a label ("geb.", "geboren am", "Geburtsdatum", "born", "DOB", "date of birth").
# Other dates stay: "seit 12.03." or "on 2026-03-12 the parcel ..." are what the problem is about.
_MONTH = (r"(?:jan(?:uar|uary)?|feb(?:ruar|ruary)?|m(?:ä|ae)rz|mar(?:ch)?|apr(?:il)?|ma[iy]|jun[ie]?|jul[iy]?|"
          r"aug(?:ust)?|sep(?:t(?:ember)?)?|o[ck]t(?:ober)?|nov(?:ember)?|de[cz](?:ember)?)\.?")
_DOB = re.compile(
    r"(\b(?:geb\.?[ -]?datum|geburtsdatum|geburtstag|geb(?:oren)?\.?|date of birth|birth ?date|born|"
    r"d\.?o\.?b\.?)[ ]*:?[ ]*(?:am[ ]+|on[ ]+|the[ ]+|den[ ]+)?)"
    r"((?:\d{1,2}[./-][ ]?\d{1,2}[./-][ ]?(?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}"      # 12.03.1980, 1980-03-12
    r"|\d{1,2}(?:\.|st|nd|rd|th)?[ ]+(?:of[ ]+)?" + _MONTH + r",?[ ]+\d{4}"                   # 12. März 1980
    r"|" + _MONTH + r"[ ]+\d{1,2}(?:st|nd|rd|th)?,?[ ]+\d{4}|(?:19|20)\d{2})(?!\d))",          # March 12, 1980; 1980
    re.IGNORECASE)
_HOUSE_NO = r"[ ]?\d{1,4}(?:[ ]?[a-zA-Z](?![\wäöüß]))?(?![\w])"  # "5", "12a", "12 b"; not the "a" of "5 am"
_STREET = re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer)"
                     + _HOUSE_NO +
                     r"|\b[A-ZÄÖÜ][\wäöüß-]+[ ](?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee)[ ]" + _HOUSE_NO +
                     r"|\b\d{1,5}[A-Za-z]?[ ](?:[A-Z][a-z]+[ ]){1,2}(?:Street|Road|Avenue|Lane|Drive|Close|Court"
                     r"|Crescent|Place|Square|Terrace|Gardens|Grove|Boulevard|Way|Mews|(?:St|Rd|Ave|Blvd)\b\.?)")
# A German street without a street word ("Am Markt 3", "An der Kirche 12a"): the number then ends the address
# (a comma, a postcode, "in"), and the noun is no time ("Am Montag 3 Anrufe", "Im Jahr 2024" stay).
_PREPOSITION_STREET = re.compile(
    r"\b(?:Am|Im|Beim|Zum|Zur|(?:An|Auf|In|Unter|Hinter|Vor)[ ](?:der|dem|den))[ ]([A-ZÄÖÜ][\wäöüß-]+)"
    + _HOUSE_NO
    + r"(?=[ ]?(?:[,;)/]|\.(?!\d)|$|[ ]\d{5}\b|[ ](?:in|bei|und|wohnhaft)\b))")
_NOT_A_STREET = frozenset("montag dienstag mittwoch donnerstag freitag samstag sonntag wochenende januar februar "
                          "märz april mai juni juli august september oktober november dezember jahr monat tag "
                          "anfang ende abend morgen mittag vormittag nachmittag telefon stück schluss".split())
_POSTCODE_LABEL = re.compile(r"(\b(?:PLZ|Postleitzahl|post ?code|zip(?: ?code)?)[:.]?[ ]*)(\d{4,5})\b", re.IGNORECASE)
# A UK postcode: outward code, inward code (digit and two letters, never C, I, K, M, O or V: "S21 5GB" is a phone).
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ ]\d[ABD-HJLNP-UW-Z]{2}\b(?<!GB)(?<!TB)(?<!HD)")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IP = re.compile(r"(?<![\w.])(?:" + _OCTET + r"\.){3}" + _OCTET + r"(?![\w]|\.\d)"
                 r"|(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"                     # 2001:0db8:0:0:0:0:0:1
                 r"|(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?"    # 2001:db8::ff00:42:8329
                 r"|::(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})(?![\w:])", re.IGNORECASE)   # ::1
_VERSION_BEFORE = re.compile(r"(?i)(?:version|ver\.?|v|build|firmware|release|update)[ ]?$")
_POSTCODE_TOWN = re.compile(r"\b\d{5}[ ](?!(?:Euro|EUR|Stück|Punkte|Kunden|Minuten|Stunden|Tage|Mal)\b)"
                            r"[A-ZÄÖÜ][a-zäöüß]+(?:[ -][A-ZÄÖÜ][a-zäöüß]+)?")
PLACEHOLDER = re.compile(r"\[(?:EMAIL|DOB|IBAN|CARD|PHONE|CUSTOMER_NO|ORDER_NO|NAME|ADDRESS|IP)\]")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    """ISO 13616 check digits: the IBAN with its first four characters moved to the end, letters as 10-35, mod 97
    is 1. A mistyped IBAN in a comment is still redacted; this tells a real IBAN from an id of the same shape."""
    text = re.sub(r"[ .\-]", "", value).upper()
    if not MIN_IBAN_CHARS <= len(text) <= MAX_IBAN_CHARS or not text.isalnum():
        return False
    return int("".join(str(int(c, 36)) for c in text[4:] + text[:4])) % 97 == 1


# What an identifier may not hold, with the words a quarantine reason uses for it.
ID_PERSONAL_DATA = {"email": "an e-mail address", "iban": "an IBAN", "card": "a payment card number",
                    "phone": "a phone number"}


def personal_data_in_id(value: str) -> str | None:
    """The kind of personal data an identifier holds ("email", "iban", "card", "phone"), or None. The detectors of
    `redact`, with what an id needs on top: an IBAN has valid check digits, and a plain run of digits (no "+",
    no separators) or digits inside a longer code ("C-0301-234567") are an id as CRMs issue them, not a phone or
    card number."""
    checks = {"email": _EMAIL, "iban": _IBAN, "card": _CARD, "phone": _PHONE}
    for kind, pattern in checks.items():
        for match in pattern.finditer(value):
            if _id_holds(kind, match.group(0), value[:match.start()]):
                return kind
    return None


def _id_holds(kind: str, found: str, before: str) -> bool:
    if kind == "iban":
        return iban_ok(found)
    if found.isdigit() or (before and not before[-1].isspace() and before[-1] != "+"):
        return False  # 01712345678 or C-0301-234567: an id's own number
    if kind == "card":  # no card number starts with 0 or follows a "+": that is a phone number (0049 ..., +49 ...)
        return luhn_ok(re.sub(r"\D", "", found)) and not found.startswith("0") and not before.endswith("+")
    return True


Edit = tuple[int, int, str]                   # replace text[start:end] with a placeholder
Step = Callable[[str, Counter], list[Edit]]   # a rule: the edits it makes in a text, counted per kind


def _labeled_accounts(text: str, counts: Counter) -> list[Edit]:
    """After a label such as "IBAN" or "Kontonummer", redact the account-like tokens that follow when they hold
    at least MIN_ACCOUNT_DIGITS digits, however mistyped ("IBAN GB2 WEST 1234 5698 7654 32"). Stops at the first
    ordinary word."""
    edits, pos = [], 0
    for label in _ACCOUNT_LABEL.finditer(text):
        if label.start() < pos:
            continue
        end, digits, i = label.end(), 0, 0
        for token in re.finditer(r"\S+", text[label.end():]):
            word = token.group(0).rstrip(".,;:")
            if not _ACCOUNT_TOKEN.fullmatch(word) or (not any(c.isdigit() for c in word) and i > 1):
                break
            digits += sum(c.isdigit() for c in word)
            end, i = label.end() + token.start() + len(word), i + 1
        if digits >= MIN_ACCOUNT_DIGITS:
            edits.append((label.end(), end, "[IBAN]"))
            counts["iban"] += 1
            pos = end
    return edits


@dataclass
class Redaction:
    text: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _labeled_phone(match: re.Match) -> bool:
    number = match.group(2)
    return (MIN_LABELED_PHONE_DIGITS <= len(_digits(number)) <= MAX_PHONE_DIGITS
            and not _DATE_SHAPE.fullmatch(number))


def _order_reference(match: re.Match) -> bool:
    if "value" not in match.re.groupindex:  # after a label ("Bestellnummer", "customer id") any value is one
        return True
    return bool(match.group("marker")) or len(_digits(match.group("value"))) >= MIN_ORDER_DIGITS


def _not_a_version(match: re.Match) -> bool:
    return not _VERSION_BEFORE.search(match.string, 0, match.start())


def _a_street(match: re.Match) -> bool:
    return match.group(1).lower() not in _NOT_A_STREET


# In this order: an e-mail address or a DOB holds digits other rules would take; a labelled reference is not a phone
# or card number; names last ("Kunde Meier Hauptstraße 5" has a name and an address).
STEPS: list[Step] = [
    _rule(_EMAIL, "email"), _rule(_DOB, "dob", keep_prefix=True), _rule(_IBAN, "iban"), _labeled_accounts,
    *[_rule(p, kind, _order_reference, keep_prefix=True) for kind, p in _REFERENCES],
    _rule(_IP, "ip", _not_a_version), _rule(_PHONE_LABEL, "phone", _labeled_phone, keep_prefix=True),
    _rule(_CARD, "card", lambda m: luhn_ok(_digits(m.group(0)))), _rule(_PHONE, "phone"),
    _rule(_PHONE_EXTENSION, "phone", count=False),
    _rule(_STREET, "address"), _rule(_PREPOSITION_STREET, "address", _a_street), _rule(_POSTCODE_TOWN, "address"),
    _rule(_POSTCODE_LABEL, "address", keep_prefix=True), _rule(_UK_POSTCODE, "address"),
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
