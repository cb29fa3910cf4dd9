"""The patterns that find personal data, one or more per kind, and the checks a match must pass.

`voc.text.redact` applies them in order (`STEPS`) and says what each kind covers; names are found by
`voc.text.names`. A check tells personal data from what looks like it: a payment card passes the Luhn check, an IBAN
its check digits (`iban_ok`, for ids), a number after "Tel" is no date, an IPv4 address is no version number, a
German street without a street word is no weekday ("Am Montag 3 Anrufe").
"""

from __future__ import annotations

import re

MIN_ACCOUNT_DIGITS = 6  # a sort code has 6, a BLZ 8, an account number 7-10: fewer is a quantity or a date
MIN_IBAN_CHARS, MAX_IBAN_CHARS = 15, 34  # Norway's IBANs are the shortest, ISO 13616 allows up to 34
MIN_LABELED_PHONE_DIGITS = 6   # "Tel 555-0198" (7) is a number to call; "Tel 2x" or "Handy 2 Jahre alt" are not
MIN_ORDER_DIGITS = 5           # "order 00456123"; "Rechnung 2024" (a year) and "order 3 items" are not references
MAX_PHONE_DIGITS = 15          # E.164: a longer run after "Tel" is something else (a tracking number)

# A line break may follow the "@" ("zq.nl@\nexample.org" in a note).
EMAIL = re.compile(r"[\w.%+-]+@[ ]?[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# Country code, check digits, an optional letter bank code (GB: "WEST"), then 8-30 digits in any grouping.
IBAN = re.compile(r"\b[A-Z]{2}\d{2}[ .-]?(?:[A-Z]{1,4}[ .-]?)?(?:\d[ .-]?){7,29}\d\b", re.IGNORECASE)
CARD = re.compile(r"(?<![\d\w])(?:\d[ .-]?){12,18}\d(?!\d)")
PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}[ /.-]?(?:\(0\)[ ]?)?(?:\(?\d+\)?[ /.-]?){1,6}\d\b"   # +49 171 1234567
    r"|(?<![\w.])(?:49|43|41)[ /.-]\(?0?[1-9]\d{1,4}\)?[ /.-]?\d{3,}(?:[ /.-]?\d{2,})*\b"    # 49 171 1234567
    r"|(?<![\w])\(0[1-9]\d{1,4}\)[ /.-]?\d{2,}(?:[ /.-]?\d{2,})*\b"                        # (030) 123 456
    r"|(?<![\w.])0[1-9]\d{1,4}[ /-]?\d{2,4}(?:[ /.-]?\d{2,8}){1,3}\b"                       # 0171 555 02 01
    r"|(?<![\w])\(\d{3}\)[ ]?\d{3}[ .-]\d{4}\b|(?<![\w.])\d{3}[.-]\d{3}[.-]\d{4}\b"         # (212) 555-0198
)
# After a label, a run of digits in any grouping is a phone number ("Tel 0 30 / 55 50 12 34", "phone 555-0198").
PHONE_LABEL = re.compile(r"(\b(?:tel(?:efon)?(?:nummer)?|rufnummer|r(?:ü|ue)ckruf(?:nummer)?|call(?:[ ]?back)?"
                         r"|handy(?:nummer)?|mobil(?:nummer)?|mobile|festnetz|phone(?:[ ]number)?|cell(?:[ ]?phone)?"
                         r"|fax|whats[ ]?app)"
                         r"\.?[ ]?:?[ ]*(?:(?:unter|an|on|at|is|no\.?|nr\.?)[ ]+)?)"
                         r"(\+?\(?\d[\d ()/.-]{4,}\d)(?!\w)", re.IGNORECASE)
_DATE_SHAPE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")  # "Tel 12.03.2026" is when, not a number to call
PHONE_EXTENSION = re.compile(r"\[PHONE\](?:[ ]?(?:-|/|ext\.?|x|durchwahl|dw\.?)[ ]?\d{1,6}\b)", re.IGNORECASE)
ACCOUNT_LABEL = re.compile(r"\b(?:iban|kontonummer|konto-?nr\.?|konto|account number|account no\.?|acct\.?|"
                           r"blz|bankleitzahl|sort code|routing number|bic)[:.#]?[ ]+", re.IGNORECASE)
ACCOUNT_TOKEN = re.compile(r"[A-Za-z0-9]{1,12}")
REFERENCES = [
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
# A long number after "no.", "Nr.", "number" or a word ending in "nummer" is somebody's reference whatever word comes
# before, even a mistyped one ("orer no. 16655794", "Vorgangsnummer 2277391"), unless that word says it is a product's
# or a program's (`not_a_product_number`). Phone labels, cards and phone shapes are matched before this rule.
MIN_MARKED_DIGITS = 6  # "no. 16655794" is a reference; "Nr. 3", "no. 12" or an error "no. 5003" are not
MARKED_NUMBER = re.compile(r"\b((?:[^\W\d_]*nummer|no|nr|number|num)\.?[ ]?:?[ ]*#?)(?P<value>\d[\d/-]*\d)(?![\w@])",
                           re.IGNORECASE)
# Words before "no." or in front of "-nummer" that make the number a thing's, not a person's: kept readable.
_PRODUCT_WORD = re.compile(r"(?i)(?:error|fehler|code|version|artikel|article|item|model|modell|produkt|product|"
                           r"seite|page|kapitel|chapter|paragraph|absatz|haus|hausnummer)")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)\.?[ ]?$")

# A date of birth: the date after a label ("geb.", "geboren am", "Geburtsdatum", "born", "DOB", "date of birth").
# Other dates stay: "seit 12.03." or "on 2026-03-12 the parcel ..." are what the problem is about.
_MONTH = (r"(?:jan(?:uar|uary)?|feb(?:ruar|ruary)?|m(?:ä|ae)rz|mar(?:ch)?|apr(?:il)?|ma[iy]|jun[ie]?|jul[iy]?|"
          r"aug(?:ust)?|sep(?:t(?:ember)?)?|o[ck]t(?:ober)?|nov(?:ember)?|de[cz](?:ember)?)\.?")
DOB = re.compile(
    r"(\b(?:geb\.?[ -]?datum|geburtsdatum|geburtstag|geb(?:oren)?\.?|date of birth|birth ?date|born|"
    r"d\.?o\.?b\.?)[ ]*:?[ ]*(?:am[ ]+|on[ ]+|the[ ]+|den[ ]+)?)"
    r"((?:\d{1,2}[./-][ ]?\d{1,2}[./-][ ]?(?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}"      # 12.03.1980, 1980-03-12
    r"|\d{1,2}(?:\.|st|nd|rd|th)?[ ]+(?:of[ ]+)?" + _MONTH + r",?[ ]+\d{4}"                   # 12. März 1980
    r"|" + _MONTH + r"[ ]+\d{1,2}(?:st|nd|rd|th)?,?[ ]+\d{4}|(?:19|20)\d{2})(?!\d))",          # March 12, 1980; 1980
    re.IGNORECASE)
_HOUSE_NO = r"[ ]?\d{1,4}(?:[ ]?[a-zA-Z](?![\wäöüß]))?(?![\w])"  # "5", "12a", "12 b"; not the "a" of "5 am"
STREET = re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer)"
                    + _HOUSE_NO +
                    r"|\b[A-ZÄÖÜ][\wäöüß-]+[ ](?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee)[ ]" + _HOUSE_NO +
                    r"|\b\d{1,5}[A-Za-z]?[ ](?:[A-Z][a-z]+[ ]){1,2}(?:Street|Road|Avenue|Lane|Drive|Close|Court"
                    r"|Crescent|Place|Square|Terrace|Gardens|Grove|Boulevard|Way|Mews|(?:St|Rd|Ave|Blvd)\b\.?)")
# A German street without a street word ("Am Markt 3", "An der Kirche 12a"): the number then ends the address
# (a comma, a postcode, "in"), and the noun is no time ("Am Montag 3 Anrufe", "Im Jahr 2024" stay).
PREPOSITION_STREET = re.compile(
    r"\b(?:Am|Im|Beim|Zum|Zur|(?:An|Auf|In|Unter|Hinter|Vor)[ ](?:der|dem|den))[ ]([A-ZÄÖÜ][\wäöüß-]+)"
    + _HOUSE_NO
    + r"(?=[ ]?(?:[,;)/]|\.(?!\d)|$|[ ]\d{5}\b|[ ](?:in|bei|und|wohnhaft)\b))")
_NOT_A_STREET = frozenset("montag dienstag mittwoch donnerstag freitag samstag sonntag wochenende januar februar "
                          "märz april mai juni juli august september oktober november dezember jahr monat tag "
                          "anfang ende abend morgen mittag vormittag nachmittag telefon stück schluss".split())
POSTCODE_LABEL = re.compile(r"(\b(?:PLZ|Postleitzahl|post ?code|zip(?: ?code)?)[:.]?[ ]*)(\d{4,5})\b", re.IGNORECASE)
# A UK postcode: outward code, inward code (digit and two letters, never C, I, K, M, O or V: "S21 5GB" is a phone).
UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ ]\d[ABD-HJLNP-UW-Z]{2}\b(?<!GB)(?<!TB)(?<!HD)")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IP = re.compile(r"(?<![\w.])(?:" + _OCTET + r"\.){3}" + _OCTET + r"(?![\w]|\.\d)"
                r"|(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"                     # 2001:0db8:0:0:0:0:0:1
                r"|(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?"    # 2001:db8::ff00:42:8329
                r"|::(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})(?![\w:])", re.IGNORECASE)   # ::1
_VERSION_BEFORE = re.compile(r"(?i)(?:version|ver\.?|v|build|firmware|release|update)[ ]?$")
POSTCODE_TOWN = re.compile(r"\b\d{5}[ ](?!(?:Euro|EUR|Stück|Punkte|Kunden|Minuten|Stunden|Tage|Mal)\b)"
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


def digits_of(text: str) -> str:
    """The digits of a text, without its separators ("+49 (30) 12-34" -> "49301234")."""
    return re.sub(r"\D", "", text)


def labeled_phone(match: re.Match) -> bool:
    number = match.group(2)
    return (MIN_LABELED_PHONE_DIGITS <= len(digits_of(number)) <= MAX_PHONE_DIGITS
            and not _DATE_SHAPE.fullmatch(number))


def order_reference(match: re.Match) -> bool:
    if "value" not in match.re.groupindex:  # after a label ("Bestellnummer", "customer id") any value is one
        return True
    return bool(match.group("marker")) or len(digits_of(match.group("value"))) >= MIN_ORDER_DIGITS


def marked_reference(match: re.Match) -> bool:
    """A number of MIN_MARKED_DIGITS digits or more after a number marker, not a product's, an error's or a page's."""
    if len(digits_of(match.group("value"))) < MIN_MARKED_DIGITS:
        return False
    before = _WORD_BEFORE.search(match.string, 0, match.start())
    marker = match.group(1).lower()
    return not (_PRODUCT_WORD.match(marker) or (before and _PRODUCT_WORD.fullmatch(before.group(1))))


def not_a_version(match: re.Match) -> bool:
    return not _VERSION_BEFORE.search(match.string, 0, match.start())


def a_street(match: re.Match) -> bool:
    return match.group(1).lower() not in _NOT_A_STREET
