"""Redact personal data before text is embedded, stored or shown.

Kinds: e-mail addresses, IBANs (by shape, and after a label such as "IBAN" or
"Kontonummer" however mistyped), payment-card numbers (Luhn-checked) and phone
numbers. Each match is replaced by a placeholder such as `[EMAIL]`, and the
number of redactions per kind is counted. IBANs are redacted by shape (a wrong
check digit is still somebody's account number); card numbers only when the
Luhn check passes, so order numbers of the same length stay readable.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("email", "iban", "card", "phone")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Country code, check digits, an optional letter bank code (GB: "WEST"), then 8-30 digits in any grouping:
# agents lower-case and mistype IBANs ("iban gb82 west 1234 5698 754 32"), and a typo must not leak one.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[ ]?(?:[A-Z]{1,4}[ ]?)?(?:\d[ ]?){7,29}\d\b", re.IGNORECASE)
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}[ /.-]?(?:\(0\)[ ]?)?(?:\d[ /.-]?){5,13}\d\b"
                    r"|(?<![\w])\(?0[1-9]\d{1,4}\)?[ /.-]?\d{3,4}[ /.-]?\d{2,8}\b")


_ACCOUNT_LABEL = re.compile(r"\b(?:iban|kontonummer|konto-?nr\.?|account number|acct\.?)[:.]?[ ]+", re.IGNORECASE)
_ACCOUNT_TOKEN = re.compile(r"[A-Za-z0-9]{1,6}")


def _labeled_accounts(text: str, counts: Counter) -> str:
    """After a label such as "IBAN" or "Kontonummer", redact the account-like tokens that follow when they hold
    at least 8 digits, however mistyped ("IBAN GB2 WEST 1234 5698 7654 32"). Stops at the first ordinary word."""
    out, pos = [], 0
    for label in _ACCOUNT_LABEL.finditer(text):
        if label.start() < pos:
            continue
        end, digits, i = label.end(), 0, 0
        for token in re.finditer(r"\S+", text[label.end():]):
            word = token.group(0).rstrip(".,;")
            if not _ACCOUNT_TOKEN.fullmatch(word) or (not any(c.isdigit() for c in word) and i > 1):
                break
            digits += sum(c.isdigit() for c in word)
            end, i = label.end() + token.start() + len(word), i + 1
        if digits >= 8:
            out.append(text[pos:label.end()] + "[IBAN]")
            counts["iban"] += 1
            pos = end
    return "".join(out) + text[pos:]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@dataclass
class Redaction:
    text: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def redact(text: str) -> Redaction:
    """Return the text with personal data replaced and the count per kind."""
    counts: Counter = Counter()

    def sub(pattern: re.Pattern, kind: str, check=None):
        def repl(match: re.Match) -> str:
            if check and not check(match.group(0)):
                return match.group(0)
            counts[kind] += 1
            return f"[{kind.upper()}]"
        return lambda s: pattern.sub(repl, s)

    card_ok = lambda s: luhn_ok(re.sub(r"\D", "", s))  # noqa: E731
    for step in (sub(_EMAIL, "email"), sub(_IBAN, "iban"), lambda s: _labeled_accounts(s, counts),
                 sub(_CARD, "card", card_ok), sub(_PHONE, "phone")):
        text = step(text)
    return Redaction(text, counts)


def redact_values(values: dict[str, str | None]) -> dict[str, str | None]:
    """Redact every text value of a raw row (for the quarantine table)."""
    return {k: (redact(v).text if isinstance(v, str) else v) for k, v in values.items()}
