"""Redact personal data before text is embedded, stored, logged or shown.

Each match is replaced by a placeholder such as `[EMAIL]`, and the number of
redactions per kind is counted. The kinds, in the order they are applied:

- email: addresses, including umlauts in the name or domain (`jürgen@müller-bäcker.de`);
- dob: a date of birth after a label ("geb.", "geboren am", "Geburtsdatum", "born", "DOB", "date of birth");
  dates without such a label stay (they tell when the problem happened);
- iban: by shape with any grouping (spaces, dashes, dots; a wrong check digit is still
  somebody's account), and after a label ("IBAN", "Kontonummer", "BLZ", "sort code", ...)
  however mistyped, when the tokens after it hold at least MIN_ACCOUNT_DIGITS digits;
- customer_no / order_no: the value after a label such as "Kundennummer", "Kd-Nr",
  "customer id", "Bestellnummer", "order no", "Rechnungsnummer", "Vertragsnummer";
- card: 13-19 digits in any grouping that pass the Luhn check (order numbers of the
  same length that fail it stay readable);
- phone: international (`+49`, `0049`, `49 171 ...`), national (`030 1234567`,
  `(030) 123 456`), North American (`(212) 555-0198`), with an extension (`-89`, `ext. 12`);
- address: a street with its number (`Hauptstraße 5`, `12 Baker Street`) and a
  postcode with its town (`10115 Berlin`);
- name: the name after a salutation ("Herr Müller", "frau meier", "Herr Prof. Dr. Weber", "geb. Schulz") and
  after a word for the customer ("Kunde Max Mustermann", "Kundin Schulz ruft an", "Name: Meier"), told from the
  nouns German capitalises ("Kunde Vertrag gekündigt" stays): see `voc.text.names`.

Regular expressions, not a model: they run offline at ~100k comments a minute, and
each rule is tested with generated values (tests/test_properties.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from voc.text.names import redact_names

MIN_ACCOUNT_DIGITS = 6  # a sort code has 6, a BLZ 8, an account number 7-10: fewer is a quantity or a date
MIN_IBAN_CHARS, MAX_IBAN_CHARS = 15, 34  # Norway's IBANs are the shortest, ISO 13616 allows up to 34

_SEP = r"[ .\-/]"
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# Country code, check digits, an optional letter bank code (GB: "WEST"), then 8-30 digits in any grouping.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[ .-]?(?:[A-Z]{1,4}[ .-]?)?(?:\d[ .-]?){7,29}\d\b", re.IGNORECASE)
_CARD = re.compile(r"(?<![\d\w])(?:\d[ .-]?){12,18}\d(?!\d)")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}[ /.-]?(?:\(0\)[ ]?)?(?:\(?\d+\)?[ /.-]?){1,6}\d\b"   # +49 171 1234567
    r"|(?<![\w.])(?:49|43|41)[ /.-]\(?0?[1-9]\d{1,4}\)?[ /.-]?\d{3,}(?:[ /.-]?\d{2,})*\b"    # 49 171 1234567
    r"|(?<![\w])\(0[1-9]\d{1,4}\)[ /.-]?\d{2,}(?:[ /.-]?\d{2,})*\b"                        # (030) 123 456
    r"|(?<![\w.])0[1-9]\d{1,4}[ /-]?\d{3,4}[ /.-]?\d{2,8}\b"                               # 030 1234567
    r"|(?<![\w])\(\d{3}\)[ ]?\d{3}[ .-]\d{4}\b|(?<![\w.])\d{3}[.-]\d{3}[.-]\d{4}\b"         # (212) 555-0198
)
_PHONE_EXTENSION = re.compile(r"\[PHONE\](?:[ ]?(?:-|/|ext\.?|x|durchwahl|dw\.?)[ ]?\d{1,6}\b)", re.IGNORECASE)
_ACCOUNT_LABEL = re.compile(r"\b(?:iban|kontonummer|konto-?nr\.?|konto|account number|account no\.?|acct\.?|"
                            r"blz|bankleitzahl|sort code|routing number|bic)[:.#]?[ ]+", re.IGNORECASE)
_ACCOUNT_TOKEN = re.compile(r"[A-Za-z0-9]{1,12}")
_REFERENCES = {
    "customer_no": re.compile(r"\b((?:kundennummer|kundennr\.?|kunden-nr\.?|kd\.?[ -]?nr\.?"
                              r"|customer (?:no\.?|number|id)"
                              r"|vertragsnummer|vertrags-nr\.?|contract (?:no\.?|number)|account id)[:#.]?[ ]*)"
                              r"([A-Za-z]{0,4}[-/]?\d[\w/-]{2,})", re.IGNORECASE),
    "order_no": re.compile(r"\b((?:bestellnummer|bestell-?nr\.?|bestellung nr\.?|auftragsnummer|auftrags-nr\.?|"
                           r"rechnungsnummer|rechnungs-nr\.?|order (?:no\.?|number|id)|invoice (?:no\.?|number))"
                           r"[:#.]?[ ]*)([A-Za-z]{0,4}[-/]?\d[\w/-]{2,})", re.IGNORECASE),
}
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
_STREET = re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer)"
                     r"[ ]?\d{1,4}[ ]?[a-zA-Z]?\b"
                     r"|\b[A-ZÄÖÜ][\wäöüß-]+[ ](?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee)"
                     r"[ ]\d{1,4}[a-zA-Z]?\b"
                     r"|\b\d{1,5}[ ][A-Z][a-z]+(?:[ ][A-Z][a-z]+)?[ ](?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Drive)")
_POSTCODE_TOWN = re.compile(r"\b\d{5}[ ](?!(?:Euro|EUR|Stück|Punkte|Kunden|Minuten|Stunden|Tage|Mal)\b)"
                            r"[A-ZÄÖÜ][a-zäöüß]+(?:[ -][A-ZÄÖÜ][a-zäöüß]+)?")
PLACEHOLDER = re.compile(r"\[(?:EMAIL|DOB|IBAN|CARD|PHONE|CUSTOMER_NO|ORDER_NO|NAME|ADDRESS)\]")


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


def _labeled_accounts(text: str, counts: Counter) -> str:
    """After a label such as "IBAN" or "Kontonummer", redact the account-like tokens that follow when they hold
    at least MIN_ACCOUNT_DIGITS digits, however mistyped ("IBAN GB2 WEST 1234 5698 7654 32"). Stops at the first
    ordinary word."""
    out, pos = [], 0
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
            out.append(text[pos:label.end()] + "[IBAN]")
            counts["iban"] += 1
            pos = end
    return "".join(out) + text[pos:]


@dataclass
class Redaction:
    text: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _replace(pattern: re.Pattern, kind: str, counts: Counter, check=None, keep_prefix: bool = False):
    def repl(match: re.Match) -> str:
        if check and not check(match.group(0)):
            return match.group(0)
        counts[kind] += 1
        return (match.group(1) if keep_prefix else "") + f"[{kind.upper()}]"
    return lambda s: pattern.sub(repl, s)


def redact(text: str) -> Redaction:
    """Return the text with personal data replaced and the count per kind."""
    counts: Counter = Counter()
    card_ok = lambda s: luhn_ok(re.sub(r"\D", "", s))  # noqa: E731
    steps = [_replace(_EMAIL, "email", counts), _replace(_DOB, "dob", counts, keep_prefix=True),
             _replace(_IBAN, "iban", counts),
             lambda s: _labeled_accounts(s, counts),
             *[_replace(p, kind, counts, keep_prefix=True) for kind, p in _REFERENCES.items()],
             _replace(_CARD, "card", counts, card_ok), _replace(_PHONE, "phone", counts),
             lambda s: _PHONE_EXTENSION.sub("[PHONE]", s),
             _replace(_STREET, "address", counts), _replace(_POSTCODE_TOWN, "address", counts),
             lambda s: redact_names(s, counts)]  # last: "Kunde Meier Hauptstraße 5" has a name and an address
    for step in steps:
        text = step(text)
    return Redaction(text, counts)


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
