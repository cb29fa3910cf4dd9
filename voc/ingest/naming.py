"""How a source and its files are named in the store.

The source name (`--source-name`) is part of every comment's key: stored with each comment, assignment and
quarantined row, and shown by `voc quarantine`, the exports and the web's forms. Like an id it cannot be redacted
after the fact (a key that changes is another key), so one holding personal data is refused, as ingest refuses such
ids. A file's name is only shown (`imports`, `runs`, the run summary, quarantine reasons): it is kept redacted, its
suffix readable (`[EMAIL].csv line 4`), and the same everywhere. Both lose control characters: an ESC in a file
name reached the terminal of whoever ran `voc quarantine`.
"""

from __future__ import annotations

import re
from pathlib import Path

from voc.errors import SourceError
from voc.ingest.columns import printable
from voc.text.escape import one_line
from voc.ingest.ids import ID_NAMES, id_kind, id_parts, introduced_name
from voc.text.redact import ID_PERSONAL_DATA, redact

NAME_PLACEHOLDER = "[NAME]"  # what a file's name becomes when its parts name a person: redaction's own placeholder
FILE_DIGEST_CHARS = 8  # of a redacted file name's SHA-256: enough to tell a folder's files apart and find one


def source_name(name: str | None, default: str) -> str:
    """The source name comments are filed under: `name` on one line without control characters, or `default`;
    SourceError when it holds personal data (the message names the kind, never the value)."""
    if name is None:
        return default
    clean = one_line(printable(name))
    if not clean:
        raise SourceError("--source-name is empty: name the system the comments come from (e.g. crm, shop-de)")
    kind = id_kind(clean)  # the check ingest makes of ids: names joined by "-" or "_" too ("crm-Kundin-Meier")
    found = {**ID_PERSONAL_DATA, **ID_NAMES}[kind] if kind else ", ".join(sorted(redact(clean).counts))
    if found:
        raise SourceError(f"--source-name holds personal data ({found}): it is stored with every comment and shown "
                          "wherever comments are; name the system instead (e.g. crm, shop-de)")
    return clean


def file_label(path: Path, sha256: str | None = None) -> str:
    """A file's name as voc stores and shows it: undecodable bytes as \\xNN, no control characters, personal data
    redacted with the suffix kept. A name that lost personal data gets the start of the file's SHA-256 (`sha256sum
    drops/* | grep ^3fa2c1d4` finds it), so two such files of a folder keep apart names:
    `Kunde_Meier_a@b.de.csv` -> `[EMAIL]~3fa2c1d4.csv`. A name whose parts name a person as a comment would
    (`Kunde_Müller.csv`, `Anna_Schmidt.csv`) becomes `[NAME]~3fa2c1d4.csv`: redaction reads words, not parts
    joined by `_` or `-`."""
    name = one_line(printable(path.name))
    suffix = Path(name).suffix
    stem = name[:len(name) - len(suffix)]
    redacted = redact(stem).text
    if redacted == stem and names_a_person(stem):  # "Kunde_Müller": a per-customer export
        redacted = NAME_PLACEHOLDER
    if redacted != stem and sha256:
        redacted += f"~{sha256[:FILE_DIGEST_CHARS]}"
    return redacted + suffix


def names_a_person(stem: str) -> bool:
    """A file or folder name whose parts name a person as a comment would ("Kunde_Müller", "Anna_Schmidt"):
    redaction reads words, and these are parts joined by `_` or `-`."""
    return introduced_name(id_parts(stem))


PATH_LIKE = re.compile(r"[^\s\"()\[\],;]+")  # a run of characters a path can hold, as an error message quotes one
# A path's part: an opening quote, the name ("Kunde_O'Brien"), then its suffix and what closes the quote (".csv':").
NAME_AND_TAIL = re.compile(r"(['‘]?)(.*?)((?:\.[A-Za-z0-9]{1,8})?[:.,'’]*)$")


def without_named_files(message: str) -> str:
    """`message` with each quoted file or folder whose name names a person as `[NAME]`, its suffix kept:
    "src/Kunde_Müller.csv is empty" -> "src/[NAME].csv is empty". Errors quote the path they were given."""
    def component(part: str) -> str:
        quote, name, tail = NAME_AND_TAIL.match(part).groups()
        return quote + NAME_PLACEHOLDER + tail if name and names_a_person(name) else part

    return PATH_LIKE.sub(lambda m: "/".join(component(p) for p in m.group(0).split("/")), message)
