"""A file's bytes to text, and what to say when they are not text in the encoding given.

- A UTF-8 byte-order mark (Excel) is dropped; UTF-16 with a mark is read as UTF-16 (a mark wins over --encoding).
- A file that is not text at all (gzip, zip/.xlsx, PDF, a database, NUL bytes that are not UTF-16) is refused as
  such, not as "UTF-16 without a mark".
- Read as UTF-8, undecodable bytes survive as surrogate escapes (so validation can quarantine just those rows). A
  file whose undecodable bytes all read as Windows-1252 letters (German Excel's "CSV": ä ö ü ß € as single bytes)
  and which holds no UTF-8 letter beyond ASCII is a Windows-1252 file, whatever share of its rows hold one: it is
  refused with `--encoding cp1252`. In a file that is otherwise UTF-8, such a row is quarantined, its reason naming
  the encoding that reads it (`cp1252_hint`).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from voc.errors import SourceError

SNIFF_BYTES = 4096  # how much of the start of a file tells text from binary and UTF-16 from other NUL bytes
# UTF-16 text of a Latin script has a NUL in nearly every other byte; NUL bytes mostly at one parity and in this
# share of that parity's bytes are UTF-16 without its mark, any other NUL bytes a binary file
UTF16_NUL_SHARE = 0.3
UTF16_PARITY_SHARE = 0.9
# the starts of files that are not text, with what they probably are
MAGIC = ((b"\x1f\x8b", "gzip-compressed?"), (b"PK\x03\x04", "a zip archive or an Excel workbook?"),
         (b"%PDF", "a PDF?"), (b"\xd0\xcf\x11\xe0", "an old Excel .xls or Office file?"),
         (b"SQLite format 3\x00", "an SQLite database?"), (b"PAR1", "a Parquet file? name it .parquet"))
UNDECODABLE_RUN = re.compile("[\udc80-\udcff]+")  # undecodable bytes as UTF-8 surrogate escapes keep them
BEYOND_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")  # a character UTF-8 did decode, beyond ASCII
# what Windows-1252 single bytes mean in German (and other Western) text besides letters: € „ “ ” ‘ ’ – — … etc.
CP1252_PUNCTUATION = frozenset("€‚„“”‘’–—…•§°²³µ«»·´\xa0£©®™¼½¾¡¿")
UTF8_LEAD, UTF8_CONTINUATION = range(0xC2, 0xF5), range(0x80, 0xC0)  # a broken UTF-8 sequence, not cp1252 text


def decode(path: Path, data: bytes, encoding: str) -> str:
    """Bytes to text. A byte-order mark wins over --encoding; stray bytes become surrogate escapes (UTF-8 only)."""
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8):], "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif not encoding.lower().replace("-", "").replace("_", "").startswith(("utf16", "utf32")):
        _check_text(path, data)
    errors = "surrogateescape" if codecs.lookup(encoding).name == "utf-8" else "strict"
    try:
        return data.decode(encoding, errors=errors)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path} is not valid {encoding} (byte {exc.start}): re-save it as UTF-8 "
                          f"or pass the right --encoding, e.g. --encoding cp1252 or latin-1") from None


def _check_text(path: Path, data: bytes) -> None:
    """SourceError for a file that is not text, or UTF-16 without its byte-order mark."""
    guess = next((what for magic, what in MAGIC if data.startswith(magic)), None)
    head = data[:SNIFF_BYTES]
    if guess is None and b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        half = max(len(head) // 2, 1)
        if max(even, odd) >= UTF16_NUL_SHARE * half and max(even, odd) >= UTF16_PARITY_SHARE * (even + odd):
            order = "le" if odd > even else "be"
            raise SourceError(f"{path} looks like UTF-16 without a byte-order mark: pass --encoding utf-16-{order}, "
                              "or re-save it as UTF-8")
        guess = "it holds NUL bytes: a binary file?"
    if guess:
        raise SourceError(f"{path} is not a text file ({guess}): export it again as CSV")


def reads_as_cp1252(undecodable: str) -> bool:
    """Whether a run of undecodable bytes (as surrogate escapes) is Windows-1252 text: letters and the punctuation
    above, and no UTF-8 lead byte followed by a continuation byte (a cut or damaged UTF-8 character)."""
    raw = undecodable.encode("utf-8", "surrogateescape")
    if any(a in UTF8_LEAD and b in UTF8_CONTINUATION for a, b in zip(raw, raw[1:])):
        return False
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D mean nothing in Windows-1252
        return False
    return all(ch.isalpha() or ch in CP1252_PUNCTUATION for ch in text)


def cp1252_hint(value: str) -> bool:
    """Whether every undecodable byte of a value reads as Windows-1252 text."""
    runs = UNDECODABLE_RUN.findall(value)
    return bool(runs) and all(map(reads_as_cp1252, runs))


def check_not_cp1252(path: Path, text: str, bad_rows: int, rows: int) -> None:
    """SourceError naming `--encoding cp1252` for text read as UTF-8 that is Windows-1252: each undecodable byte
    reads as a Windows-1252 letter and no character beyond ASCII was valid UTF-8."""
    if not UNDECODABLE_RUN.search(text) or BEYOND_ASCII.search(text) or not cp1252_hint(text):
        return
    raise SourceError(f"{path} is Windows-1252 (German Excel's \"CSV\"), not UTF-8: {bad_rows} of {rows} rows hold "
                      "letters such as ä ö ü ß € as single bytes; pass --encoding cp1252, or save it from Excel as "
                      "\"CSV UTF-8\"")
