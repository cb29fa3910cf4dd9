"""Property-based tests (hypothesis) for the parser, the validator and redaction.

- Any file of bytes either ingests with rows in = stored + quarantined, or stops with one named error
  (SourceError), never another exception.
- Any text with a planted personal value of each kind comes out without that value, whatever surrounds it.
- Any value a source's fields or a product manager's options hold is stored without control characters.
"""

import dataclasses
import json
import re
import shutil
import string
import tempfile
import unicodedata
from datetime import date as calendar_date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from voc import store
from voc.config import Settings
from voc.errors import SourceError
from voc.ingest import ids
from voc.ingest.duckdb_source import duckdb_said
from voc.ingest.read import read_source
from voc.ingest.rows import RawBatch, RawRow
from voc.ingest.validate import RowInvalid, parse_timestamp, validate
from voc.pipeline import ingest
from voc.runs import start_run
from voc.text.redact import redact
from voc.text.redact_rules import luhn_ok
from voc.text.util import stopwords

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STORE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = "comment_id,text,created_at,agent_id,csat,nps,channel\n"

cell = st.one_of(st.text(max_size=30), st.sampled_from(["", "2026-11-02 14:30", "02.11.2026", "9", "5", "-1", "A1",
                                                         "=cmd", "\ufffd", "x" * 50, "chat\x1b[2J", "\x9b31m\x07",
                                                         # ids: a person's name, a salutation, codes and logins
                                                         "C-Frau-Meier", "Zacharias Quandtmeyer", "kunde_meier",
                                                         "C-Frau-17", "DE/A07", "FR/A07", "agent_anna", "anna"]))
# Any text, with the control characters a terminal acts on (ESC, BEL, CSI, DEL, NUL) and line ends drawn often.
hostile = st.text(alphabet=st.one_of(st.characters(), st.sampled_from("\x1b\x07\x9b\x7f\x00\r\n\t\x85[\u202e\u2066")),
                  max_size=40)


def controls(value) -> list[str]:
    """The control characters (Unicode Cc) in a stored or shown value, but for line feed and tab."""
    return [ch for ch in str(value) if unicodedata.category(ch) == "Cc" and ch not in "\n\t"]
row = st.lists(cell, min_size=0, max_size=9)


def csv_bytes(rows, encoding):
    lines = [HEADER] + [",".join('"' + v.replace('"', '""') + '"' for v in r) + "\n" for r in rows]
    return "".join(lines).encode(encoding, errors="replace")


def write(data: bytes, suffix: str) -> Path:
    path = Path(tempfile.mkdtemp()) / f"drop{suffix}"
    path.write_bytes(data)
    return path


def read_or_named_error(path: Path):
    try:
        batch = read_source(path)
    except SourceError as exc:
        assert str(exc) and "\n" not in str(exc).strip()
        return None
    comments, rejected = validate(batch)
    assert len(batch.rows) == len(comments) + len(rejected)
    assert all(r.reason for r in rejected)
    for c in comments:  # text, ids and every optional field: one line without control characters
        assert not any(unicodedata.category(ch) == "Cc" for v in vars(c).values() if isinstance(v, str) for ch in v), c
    return batch, comments, rejected


@FAST
@given(st.binary(max_size=400), st.sampled_from([".csv", ".jsonl"]))
def test_any_bytes_either_read_or_one_named_error(data, suffix):
    read_or_named_error(write(data, suffix))


@FAST
@given(st.lists(row, max_size=12), st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
def test_any_csv_rows_split_into_comments_and_quarantine(rows, encoding):
    read_or_named_error(write(csv_bytes(rows, encoding), ".csv"))


@FAST
@given(st.lists(st.dictionaries(st.sampled_from(["comment_id", "text", "created_at", "agent_id", "csat", "x"]),
                                st.one_of(st.none(), st.integers(), st.text(max_size=20), st.floats(allow_nan=True))),
                max_size=8))
def test_any_jsonl_records_split_into_comments_and_quarantine(records):
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    read_or_named_error(write(data or b"\n", ".jsonl"))


@FAST
@given(st.lists(st.tuples(st.lists(st.text(alphabet="ab ,\"\n\r", max_size=8), min_size=1, max_size=4),
                          st.integers(0, 2)), min_size=1, max_size=10),
       st.sampled_from(["\n", "\r\n"]))
def test_each_csv_row_knows_the_line_it_starts_on(records, newline):
    """Whatever line breaks quoted cells hold and however many blank lines come between, a row's `line` is the
    line of the file it starts on, counted as an editor does (header = line 1)."""
    text, line, expected, empty = HEADER.replace("\n", newline), 2, [], 0
    for cells, blanks in records:
        text += newline * blanks
        line += blanks
        record = ",".join('"' + c.replace('"', '""') + '"' for c in cells) + newline
        if any(c.strip() for c in cells):
            expected.append(line)
        else:  # a row of empty cells only: skipped and counted
            empty += 1
        text += record
        line += record.count("\n") + record.count("\r") - record.count("\r\n")
    try:
        batch = read_source(write(text.encode(), ".csv"))
    except SourceError as exc:
        assert not expected and "has no data rows" in str(exc)
        return
    assert [r.line for r in batch.rows] == expected
    assert [r.where for r in batch.rows] == [f"drop.csv line {n}" for n in expected]
    said = [s for _, s in batch.swallowed if "empty row" in s]  # rows in = rows read + empty rows skipped
    assert said == ([f"drop.csv: {empty} empty row{'s' * (empty > 1)} skipped (only separators)"] if empty else [])


@FAST
@given(st.integers(0, 8), st.integers(0, 8), st.randoms(use_true_random=False), st.booleans())
def test_a_file_in_another_encoding_stops_and_a_few_bad_rows_are_quarantined(n_good, n_bad, rnd, utf8_umlauts):
    """Windows-1252 rows (German umlauts as single bytes) in a file with no UTF-8 letter beyond ASCII: a
    Windows-1252 file, one named error with --encoding cp1252 whatever the share. In a file that is otherwise UTF-8,
    more undecodable rows than valid ones stop it too; fewer are quarantined, their reason naming cp1252."""
    lines = [f"g{i},Paket kam an {i}{' für Sie' * utf8_umlauts},2026-11-02,A1,,,\n".encode() for i in range(n_good)]
    lines += [f"b{i},Grüße aus Köln {i},2026-11-02,A1,,,\n".encode("latin-1") for i in range(n_bad)]
    rnd.shuffle(lines)
    path = write(HEADER.encode() + b"".join(lines), ".csv")
    if n_good + n_bad == 0:
        return
    windows = n_bad and not (utf8_umlauts and n_good)
    if windows or n_bad > n_good:
        expected = (f"{n_bad} of {n_bad + n_good} rows hold letters such as ä ö ü ß € as single bytes; pass "
                    "--encoding cp1252" if windows else f"{n_bad} of {n_bad + n_good} rows cannot be decoded")
        try:
            read_source(path)
        except SourceError as exc:
            assert expected in str(exc) and "--encoding" in str(exc), str(exc)
            return
        raise AssertionError(f"{n_bad} of {n_bad + n_good} rows undecodable, yet the file was read")
    comments, rejected = read_or_named_error(path)[1:]
    assert len(comments) == n_good and len(rejected) == n_bad
    assert all("broken encoding" in r.reason and "--encoding cp1252" in r.reason for r in rejected)


@STORE
@given(st.lists(st.integers(0, 4), min_size=1, max_size=5))
def test_a_folder_reads_every_row_of_its_files_and_names_its_empty_ones(counts):
    """n = 0: an empty file (no bytes), skipped and named; else a file with n rows. All empty: one named error."""
    with tempfile.TemporaryDirectory() as folder:
        for i, n in enumerate(counts):
            lines = [f"c{i}-{j},text,2026-11-02,A1" for j in range(n)]
            data = "\n".join(["comment_id,text,created_at,agent_id", *lines]) if n else ""
            (Path(folder) / f"{i}.csv").write_text(data, encoding="utf-8")
        empty = [f"{i}.csv" for i, n in enumerate(counts) if n == 0]
        if not sum(counts):
            try:
                read_source(Path(folder))
                raise AssertionError("a folder of empty files was read")
            except SourceError as exc:
                assert "has no data rows" in str(exc)
            return
        batch = read_source(Path(folder))
        assert len(batch.rows) == sum(counts) and batch.empty_files == empty
        assert [f.name for f in batch.files] == [f"{i}.csv" for i, n in enumerate(counts) if n]


@FAST
@given(st.text(alphabet=string.ascii_letters + " !\"", min_size=1, max_size=30), st.text(max_size=40),
       st.integers(0, 40), st.lists(st.text(alphabet=string.ascii_letters + ' "', min_size=1, max_size=20), max_size=2))
def test_a_duckdb_error_is_said_on_one_line_without_its_picture_of_the_sql(message, sql_line, caret_at, hints):
    """DuckDB's errors: a message, maybe hints ('Did you mean ...'), then LINE n: the SQL and a line of ^ under it."""
    hints = [h for h in hints if h.strip()]
    raw = "\n".join([message, *hints, "", f"LINE 1: {sql_line}", " " * caret_at + "^^^^"])
    said = duckdb_said(Exception(raw))
    assert "\n" not in said and "LINE 1:" not in said and "^^^^" not in said
    assert said.startswith(message.strip() or said[:0]) and all(h.strip() in said for h in hints)


@FAST
@given(st.dates(min_value=calendar_date(2000, 1, 13),
                max_value=calendar_date(2026, 11, 1)).filter(lambda d: d.day > 12),
       st.sampled_from(["dmy", "mdy"]))
def test_a_date_written_in_the_other_order_is_refused_with_the_date_order_that_reads_it(day, order):
    """A day past 12 cannot be a month: such a date in the other order is refused, and the reason names the
    --date-order that reads it and the date it would be."""
    us, european = f"{day.month:02d}/{day.day:02d}/{day.year}", f"{day.day:02d}/{day.month:02d}/{day.year}"
    written, other = (us, "mdy") if order == "dmy" else (european, "dmy")
    try:
        parse_timestamp(written, order)
        raise AssertionError(f"{written} was read in {order} order")
    except RowInvalid as exc:
        assert f"or pass --date-order {other}, which reads it as {day:%d %B %Y})" in str(exc), str(exc)
    assert parse_timestamp(written, other).date() == day
    try:
        parse_timestamp(f"{written}x", order)
    except RowInvalid as exc:
        assert "--date-order" not in str(exc)  # no order reads it: no hint


@STORE
@given(st.lists(row, min_size=1, max_size=10), st.sampled_from(["utf-8", "latin-1"]))
def test_ingest_into_a_real_store_keeps_every_row(rows, encoding):
    path = write(csv_bytes(rows, encoding), ".csv")
    try:
        batch = read_source(path, name="p")
    except SourceError:
        return
    cfg = Settings(db=path.with_suffix(".duckdb"))
    run_id = start_run(cfg, "p")
    result = ingest(cfg, run_id, batch)
    with store.open(cfg.db) as con:
        stored = store.scalar(con, "SELECT count(*) FROM comments")
        quarantined = store.scalar(con, "SELECT count(*) FROM quarantine")
    assert result["rows_read"] == len(batch.rows) == result["valid"] + result["quarantined"]
    assert stored == result["new"] == result["valid"] - result["already_known"]
    assert quarantined == result["quarantined"] - result["quarantined_before"]
    with store.open(cfg.db) as con:
        values = con.execute("SELECT text, channel, ticket_id FROM comments").fetchall()
    assert not any(controls(v) for row in values for v in row if v), values


valid_row = st.tuples(st.sampled_from(["c1", "c2", "c3"]), st.text(min_size=1, max_size=20),
                      st.just("2026-11-02 14:30"), st.sampled_from(["A1", "A2"])).map(list)  # ids repeat


@STORE
@given(st.lists(st.one_of(row, valid_row), min_size=1, max_size=10))
@example([["c1", "Lieferung kam zu spät", "2026-11-02 14:30", "A1"], ["c2", "", "2026-11-02 14:30", "A1"],
          ["c1", "noch einmal", "2026-11-02 14:30", "A2"]])
def test_known_comments_arriving_with_another_text_are_quarantined_and_every_row_counted(rows):
    """The same rows again, each text with something added: every stored comment comes back changed, is quarantined
    (not "already known", not stored over), and rows read = new + already known + quarantined."""
    path = write(csv_bytes(rows, "utf-8"), ".csv")
    try:
        batch = read_source(path, name="p")
    except SourceError:
        return
    cfg = Settings(db=path.with_suffix(".duckdb"))
    ingest(cfg, start_run(cfg, "p"), batch)
    with store.open(cfg.db) as con:
        before = con.execute("SELECT comment_id, text FROM comments ORDER BY comment_id").fetchall()
    edited = [dataclasses.replace(r, values={**r.values, "text": r.values["text"] + " NACHTRAG"})
              if isinstance(r.values.get("text"), str) else r for r in batch.rows]
    result = ingest(cfg, start_run(cfg, "p"), dataclasses.replace(batch, rows=edited, files=[]))
    assert result["rows_read"] == result["new"] + result["already_known"] + result["quarantined"]
    assert result["changed"] == len(before) and result["already_known"] == 0
    with store.open(cfg.db) as con:
        kept = con.execute("SELECT comment_id, text FROM comments WHERE first_run_id = 1 ORDER BY 1").fetchall()
        said = store.scalar(con, "SELECT count(*) FROM quarantine WHERE run_id = 2 AND reason LIKE "
                                 "'%was imported in run 1 with another text; the stored version is kept'")
    assert kept == before and said == len(before)


@FAST
@given(hostile)
def test_without_controls_drops_control_characters_and_keeps_everything_else(text):
    from voc.text.escape import BIDI_CONTROLS, one_line, without_controls

    clean = without_controls(text)
    assert all(ch.isspace() for ch in clean if unicodedata.category(ch) == "Cc") and not BIDI_CONTROLS & set(clean)
    kept = [ch if unicodedata.category(ch) != "Cs" else "\ufffd" for ch in text
            if unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS]
    assert [ch for ch in clean if unicodedata.category(ch) != "Cc"] == kept  # nothing else lost, order kept
    assert without_controls(clean) == clean
    line = one_line(text)
    assert not any(unicodedata.category(ch) == "Cc" for ch in line) and line == line.strip() and "  " not in line
    assert "".join(line.split()) == "".join(ch for ch in kept if not ch.isspace())


@pytest.fixture(scope="module")
def pm_store(published_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("pm") / "voc.duckdb"
    shutil.copy(published_db[0], db)
    return db


@STORE
@given(st.fixed_dictionaries({}, optional={k: hostile for k in ("note", "owner", "reason", "ticket_key", "name")}),
       hostile, hostile, st.sampled_from(["under_review", "declined", None]))
def test_what_a_pm_types_is_stored_without_control_characters(pm_store, typed, by, title, status):
    """Any name, note, owner, reason, ticket, rename and `--by`: refused with a named error, or stored with no
    control character (a note keeps its line breaks)."""
    from voc.errors import VocError
    from voc.pm import theme_edit, workflow

    with store.open(pm_store, write=True) as con:
        for table in ("theme_workflow", "theme_events", "theme_overrides", "outbox"):  # each example from the start
            con.execute(f"DELETE FROM {table}")
        theme = store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")
        for change in (lambda: workflow.update(con, theme, by, status=status, **typed),
                       lambda: theme_edit.rename_in(con, theme, title, by)):
            try:
                change()
            except VocError:
                pass
        values = [v for table in ("theme_workflow", "theme_events", "theme_overrides")
                  for row in con.execute(f"SELECT * FROM {table}").fetchall() for v in row if isinstance(v, str)]
    assert not any(controls(v) for v in values), [v for v in values if controls(v)]


@FAST
@given(st.lists(st.fixed_dictionaries({"channel": hostile, "product": hostile, "team": hostile,
                                       "ticket_id": hostile, "language": hostile}), min_size=1, max_size=6))
def test_optional_fields_come_in_without_control_characters_and_no_row_is_lost(optional):
    """Whatever a source's optional columns hold (a database column: no file reader filters it), every row is
    stored or quarantined, and what is stored has no control character."""
    batch = RawBatch("p", [RawRow(i + 1, "notes", {"comment_id": f"c{i}", "text": "Paket fehlt",
                                                   "created_at": "2026-11-02", "agent_id": "A1", **values})
                           for i, values in enumerate(optional)])
    comments, rejected = validate(batch)
    assert len(comments) + len(rejected) == len(optional)
    for c in comments:
        for name in ("channel", "product", "team", "ticket_id", "language"):
            value = getattr(c, name)
            assert value is None or (value and not any(unicodedata.category(ch) == "Cc" for ch in value)), (name, value)


# ---- redaction: planted values of each kind ----

filler = st.text(alphabet=string.ascii_letters + "äöüßÄÖÜ .,;:!?()-'\"", max_size=40)
sep = st.sampled_from([" ", "-", ".", ""])
digits = lambda n: st.text(alphabet=string.digits, min_size=n, max_size=n)  # noqa: E731


@st.composite
def card(draw):
    body = "4" + draw(digits(14))
    check = next(str(d) for d in range(10) if luhn_ok(body + str(d)))
    number = body + check
    s = draw(sep)
    return s.join(number[i:i + 4] for i in range(0, 16, 4)), number


@st.composite
def customer_no(draw):
    label = draw(st.sampled_from(["Kundennummer", "Kd-Nr.", "customer id", "Bestellnummer", "order no.",
                                  "Vertragsnummer"]))
    number = draw(st.sampled_from(["", "KD-", "A"])) + draw(digits(7))
    return f"{label} {number}", number


@st.composite
def mistyped_reference(draw):
    """A long number after a number marker, the word before it mistyped or unknown ("orer no. 16655794")."""
    word = draw(st.sampled_from(["orer", "Bestelung", "Auftrga", "ticket", "Vorgang", "case", "Sendung", ""]))
    marker = draw(st.sampled_from(["no. ", "No ", "nr. ", "Nr.", "number ", "nummer: ", "no. #"]))
    joint = "" if marker == "nummer: " else " "  # "Vorgangnummer: 2277391" is one word
    number = draw(digits(draw(st.integers(6, 12))))
    return f"{word}{joint}{marker}{number}".strip(), number


@st.composite
def iban(draw):
    country = draw(st.sampled_from(["DE", "AT", "NL", "de", "GB"]))
    number = draw(digits(2)) + draw(digits(18))
    s = draw(st.sampled_from([" ", "-", ""]))
    return country + s.join(number[i:i + 4] for i in range(0, len(number), 4)), number[2:]


@st.composite
def email(draw):
    local = draw(st.text(alphabet="abcxyzäöü._-", min_size=1, max_size=10).filter(lambda s: s[0].isalpha()))
    domain = draw(st.text(alphabet="abcdefmüöä-", min_size=2, max_size=10).filter(lambda s: s[0].isalpha()))
    return f"{local}@{domain}.{draw(st.sampled_from(['de', 'com', 'example']))}", f"{local}@"


@st.composite
def phone(draw):
    rest = draw(digits(3)) + " " + draw(digits(4))
    form = draw(st.sampled_from(["+49 171 {}", "0049 171 {}", "0171 {}", "(030) {}", "49 171 {}", "+1 212 {}",
                                 "+49 30 {}-89"]))
    return form.format(rest), rest


SURNAMES = ["Schmidt", "Müller", "Jones", "Kowalski", "Yılmaz", "Nguyen", "O'Brien", "Meier-Lüdenscheidt", "Weiß"]


@st.composite
def name(draw):
    """A surname after a salutation, in the case the salutation is typed in (Herr / HERR / herr), with or without
    a first name, a particle ("de", "van der") or a title."""
    case = draw(st.sampled_from([str, str.upper, str.lower]))
    salutation = draw(st.sampled_from(["Herr", "Herrn", "Frau", "Hr.", "Fr.", "Mr", "Mr.", "Mrs", "Ms.", "Dr."]))
    title = draw(st.sampled_from(["", "Dr. ", "Prof. Dr. "]))
    first = draw(st.sampled_from(["", "Anna ", "Jürgen "]))
    particle = draw(st.sampled_from(["", "de ", "van der ", "von "])) if not first else ""
    surname = draw(st.sampled_from(SURNAMES))
    return case(f"{salutation} {title}{first}{particle}{surname}"), case(surname)


FIRST_NAMES = ["Anna", "Jürgen", "Max", "Fatma", "John", "Mary", "Piotr", "Emma", "Mehmet", "Sophie"]


@st.composite
def customer_name(draw):
    """A name after a word for the customer, as agents write it: first and last name, or the surname alone before a
    comma or a verb of a person, or after a label."""
    cue = draw(st.sampled_from(["Kunde", "Kundin", "kunde", "KUNDIN", "Kd.", "Kdn.", "Stammkunde", "Kunden",
                                "Anrufer", "customer", "Client", "caller", "Kunde:"]))
    surname = draw(st.sampled_from(SURNAMES))
    form = draw(st.sampled_from(["{cue} {first} {surname}", "{cue} {surname}, Rechnung", "{cue} {surname} ruft an",
                                 "{cue} {surname} called", "{cue} {surname} ({first})", "Name: {surname}",
                                 "Kundenname: {first} {surname}", "{cue} namens {surname}"]))
    return form.format(cue=cue, first=draw(st.sampled_from(FIRST_NAMES)), surname=surname), surname


MONTHS_EN = ["January", "Feb", "March", "April", "May", "June", "July", "Aug.", "September", "Oct", "November", "Dec"]
MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "Sept.", "Oktober", "Nov.",
             "Dezember"]


@st.composite
def date(draw, years=(1930, 2008)):
    day, month, year = draw(st.integers(1, 28)), draw(st.integers(1, 12)), draw(st.integers(*years))
    return draw(st.sampled_from([f"{day:02d}.{month:02d}.{year}", f"{day}.{month}.{year}",
                                 f"{year}-{month:02d}-{day:02d}", f"{month:02d}/{day:02d}/{year}",
                                 f"{day} {MONTHS_EN[month - 1]} {year}", f"{day}. {MONTHS_DE[month - 1]} {year}",
                                 f"{MONTHS_EN[month - 1]} {day}, {year}"])), year


@st.composite
def date_of_birth(draw):
    label = draw(st.sampled_from(["geb.", "geb", "geboren am", "Geburtsdatum:", "Geb.-Datum", "born", "born on", "DOB:",
                                  "D.O.B.", "date of birth", "Date of Birth:", "birthdate"]))
    value, year = draw(date())
    return f"{draw(st.sampled_from([str, str.upper, str.lower]))(label)} {value}", str(year)


KINDS = {"card": card(), "iban": iban(), "email": email(), "phone": phone(), "reference": customer_no(),
         "name": name(), "customer_name": customer_name(), "dob": date_of_birth(),
         "mistyped_reference": mistyped_reference()}


def survives(secret: str, out: str) -> bool:
    """True when the planted value, or any 6 characters in a row of it, can still be read in the output
    (separators such as spaces, dashes and dots removed first: "4111-1111" still shows 41111111)."""
    squeeze = lambda s: re.sub(r"[\s.\-/()]", "", s)  # noqa: E731
    secret, out = squeeze(secret), squeeze(out)
    return secret in out or any(secret[i:i + 6] in out for i in range(len(secret) - 5) if secret[i:i + 6].isdigit())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(KINDS)), st.data(), filler, filler)
def test_every_planted_value_is_redacted(kind, data, before, after):
    value, secret = data.draw(KINDS[kind])
    text = f"{before} {value} {after}"
    out = redact(text).text
    assert not survives(secret, out), (kind, text, out)


@FAST
@given(st.sampled_from(["herr", "herrn", "frau", "hr.", "fr.", "mr.", "mrs.", "ms.", "dr."]),
       st.sampled_from(sorted(stopwords("any") - {"de", "da", "di", "do", "du", "la", "le", "von", "zu", "zum", "zur",
                                                  "van", "vom", "ten", "ter", "op", "af", "del", "dos", "della"})),
       filler)
def test_a_stop_word_after_a_lower_case_salutation_is_not_a_name(salutation, word, after):
    """"frau am telefon", "herr der lage": no name to redact, the text stays as typed."""
    text = f"{salutation} {word}"
    assert redact(f"{text} {after}").text.startswith(text)


CUSTOMER_WORDS = ["Kunde", "Kundin", "Kd.", "Kunden", "Anrufer", "customer", "Client", "Caller"]
NOT_A_PERSONS_DOING = ["gekündigt", "gewünscht", "stürzt ab", "kaputt", "fehlt", "defekt", "abgelehnt", "geht nicht",
                       "crashed", "broken", "missing", "not working"]


@FAST
@given(st.sampled_from(CUSTOMER_WORDS), st.from_regex(r"[A-ZÄÖÜ][a-zäöüß]{1,12}", fullmatch=True),
       st.sampled_from(NOT_A_PERSONS_DOING), filler)
def test_one_capitalised_word_after_the_customer_before_what_no_person_does_stays(cue, word, doing, after):
    """"Kunde App stürzt ab", "Kundin Rückruf gewünscht": German capitalises every noun, so a single capitalised word
    after a word for the customer is a name only before punctuation or a verb of a person, whatever the word is."""
    text = f"{cue} {word} {doing}"
    assert redact(f"{text} {after}").text.startswith(text)


# Phrases agents write around a name: a cue (a word for the customer, a label, a salutation) or none, a name or a
# noun, then what follows (a verb, punctuation, a placeholder, an address, contact data), in any order.
_cue = st.sampled_from(["", "Kunde", "kundin", "Kd.", "Kunden", "customer", "Name:", "namens", "Herr", "frau", "Dr.",
                        "geb."])
_word = st.sampled_from(["Anna", "Max", "Schmidt", "Müller", "O'Brien", "de", "van der", "Vertrag", "Rückruf", "App",
                         "Service", "Wochen", "meier", "[NAME]"])
_follower = st.sampled_from(["", "ruft", "called", "is", "gekündigt", ",", "(", ".", ":", "[EMAIL]", "Hauptstraße 5",
                             "10115 Berlin", "12 Baker Street", "max@firma.de", "0171 2345678", "Kundin"])
NAME_CONTEXT = st.lists(st.tuples(_cue, _word, _word | _follower, _follower).map(" ".join), max_size=5).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(NAME_CONTEXT)
def test_redacting_text_full_of_names_and_nouns_twice_is_redacting_it_once(text):
    once = redact(text).text
    assert redact(once).text == once, text


@st.composite
def valid_iban(draw):
    """An IBAN with correct check digits (ISO 13616), grouped or not."""
    country, bban = draw(st.sampled_from(["DE", "AT", "NL", "FR"])), draw(digits(18))
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    number = f"{country}{check:02d}{bban}"
    return draw(st.sampled_from(["", " "])).join(number[i:i + 4] for i in range(0, len(number), 4)), bban[-6:]


ID_KINDS = {"email": email(), "phone": phone(), "iban": valid_iban(),
            "card": card().filter(lambda c: not c[0].isdigit())}  # a plain run of digits is a numeric id
ID_WORDS = {"email": "an e-mail address", "phone": "a phone number", "iban": "an IBAN", "card": "a payment card number"}


@FAST
@given(st.sampled_from(sorted(ID_KINDS)), st.data(), st.sampled_from(["comment_id", "agent_id"]))
def test_an_id_holding_personal_data_is_quarantined_without_repeating_it(kind, data, field):
    value, secret = data.draw(ID_KINDS[kind])
    values = {"comment_id": "C-1", "text": "Paket fehlt", "created_at": "2026-11-02", "agent_id": "A1", field: value}
    comments, rejected = validate(RawBatch("p", [RawRow(1, "f.csv", values, line=2)]))
    assert not comments and rejected[0].reason.startswith(f"{field} looks like {ID_WORDS[kind]}: use an opaque id")
    assert not survives(secret, rejected[0].reason)


CUES = ids.SALUTATIONS | ids.SHORT_SALUTATIONS | ids.CUSTOMER_WORDS  # make an id's next part a person's name


@FAST
@given(st.one_of(st.from_regex(r"([A-Z]|[A-Z]{3,4})?[-_/]?[0-9]{1,19}", fullmatch=True), st.uuids().map(str),
                 st.from_regex(r"[a-z]{2,8}(\.[a-z]{2,8})?", fullmatch=True).filter(lambda s: not CUES & {
                     *s.split(".")}),  # a login, not "frau.meier"
                 st.from_regex(r"[A-Z]{1,3}-20[0-9]{2}-[0-9]{2}-[0-9]{3,6}", fullmatch=True)))
@example("01712345678")
@example("4111111111111111")
@example("C-0301-234567")
@example("TK20240001234")
@example("DE/A07")
@example("FR/A07")  # France's agent 07, not "Fr." (Frau)
@example("HR-17")
@example("ticket-4711")
@example("agent_anna")  # a first name alone is a staff member's own id
@example("anna")
@example("anna.schmidt")  # a login in lower case: no name can be told from words there, as in a comment
@example("Kunde-4711")  # a word for the customer before a number: an id as a system issues it
@example("customer_feedback_0001")
@example("ms-teams-3")
@example("WEB-EXPORT")
@example("FR/PARIS")  # a short form before capitals is a code
def test_opaque_ids_are_taken(identifier):
    """Ids as systems issue them (C-1042, 00012345, a UUID, a login such as pm.anna, T-2026-11-000123) go through."""
    values = {"comment_id": identifier, "text": "Paket fehlt", "created_at": "2026-11-02", "agent_id": identifier}
    comments, rejected = validate(RawBatch("p", [RawRow(1, "f.csv", values, line=2)]))
    assert comments and not rejected, rejected[0].reason


@st.composite
def id_with_a_name(draw):
    """An id made from a customer: a salutation or a word for the customer and a surname ("C-Frau-Meier",
    "kunde_meier"), or a first name and a surname written like a name, in either order ("Zacharias Quandtmeyer",
    "C-Quandtmeyer-Zacharias"), among other parts and separators; with the surname to look for."""
    sep = draw(st.sampled_from(["-", "_", ".", "/", " "]))
    surname = draw(st.sampled_from(SURNAMES + ["Quandtmeyer"]))
    if draw(st.booleans()):
        cue = draw(st.sampled_from(sorted(CUES)))
        shown = draw(st.sampled_from([str.lower, str.capitalize, str.upper]))
        written = draw(st.sampled_from([str, str.lower] + ([] if cue in ids.SHORT_SALUTATIONS else [str.upper])))
        words = [shown(cue), written(surname)]  # a short form before capitals is a code: "FR/PARIS"
    else:
        words = [draw(st.sampled_from(FIRST_NAMES + ["Zacharias"])), surname]
        words = words[::draw(st.sampled_from([1, -1]))]
    before, after = draw(st.sampled_from(["", "C", "A07", "DE"])), draw(st.sampled_from(["", "17", "2026"]))
    return sep.join(p for p in [before, *words, after] if p), surname


@FAST
@given(id_with_a_name(), st.sampled_from(["comment_id", "agent_id"]))
@example(("C-Quandtmeyer-Zacharias", "Quandtmeyer"), "comment_id")
@example(("Zacharias Quandtmeyer", "Quandtmeyer"), "agent_id")
@example(("C-Frau-Meier", "Meier"), "comment_id")
@example(("Anna-van-der-Berg", "Berg"), "agent_id")  # as redaction reads a name with particles
@example(("Anna-O'Brien", "O'Brien"), "comment_id")
def test_an_id_holding_a_persons_name_is_quarantined_without_repeating_it(planted, field):
    """The reason names the field and the kind, and the quarantined row keeps "[NAME]" for the id: ids are never
    redacted, so a name in one would be stored and shown wherever the id is."""
    value, surname = planted
    values = {"comment_id": "C-1", "text": "Paket fehlt", "created_at": "2026-11-02", "agent_id": "A1", field: value}
    comments, rejected = validate(RawBatch("p", [RawRow(1, "f.csv", values, line=2)]))
    assert not comments and rejected[0].reason == (f"{field} holds a person's name: use an opaque id (e.g. C-1042, "
                                                   "A07) instead of personal data"), (value, rejected[0].reason)
    assert rejected[0].raw[field] == "[NAME]" and not survives(surname, json.dumps(rejected[0].raw))


@FAST
@given(date(years=(2000, 2030)), st.sampled_from(["Paket seit", "Lieferung am", "parcel since", "order placed on",
                                                  "Rechnung vom"]), filler, filler)
def test_a_date_without_a_birth_label_stays(value, words, before, after):
    """When the problem happened is what a comment is about: only a date of birth is personal."""
    out = redact(f"{before} {words} {value[0]} {after}").text
    assert value[0] in out, out


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_redaction_never_fails_and_is_stable(text):
    once = redact(text).text
    assert redact(once).text == once


@given(st.text(max_size=60))
def test_a_comments_text_keeps_no_control_character_and_no_run_of_whitespace(text):
    """Any text (from a database column: no file reader filters it) is stored without control characters and with
    single spaces, or the row is quarantined as having none: nothing else."""
    values = {"comment_id": "c1", "text": text, "created_at": "2026-11-02", "agent_id": "A1"}
    comments, rejected = validate(RawBatch("p", [RawRow(1, "notes", values)]))
    assert len(comments) + len(rejected) == 1
    for c in comments:
        assert c.text and not any(unicodedata.category(ch) == "Cc" for ch in c.text)
        assert c.text == c.text.strip() and "  " not in c.text


@FAST
@given(st.one_of(hostile, st.from_regex(r"(?i)(https?|javascript|data|ftp|)(:|://)?[^\s]{0,30}", fullmatch=True)))
@example("javascript:alert(document.cookie)")
@example(" JavaScript:alert(1)")
@example("http://[")
@example("https://jira.example/browse/PAY-1")
def test_a_link_voc_shows_is_http_or_nothing(value):
    """Any text as a ticket link: http_url gives None or an http(s) address with a host, never another scheme."""
    from urllib.parse import urlsplit

    from voc.text.escape import http_url

    url = http_url(value)
    assert url is None or (url.lower().startswith(("http://", "https://")) and urlsplit(url).hostname), url


@FAST
@given(st.one_of(hostile, st.integers(-10**30, 10**30).map(str)))
@example("999")
@example(" 7 ")
@example("٣")
def test_any_page_asked_for_is_a_page_number_of_one_or_more(asked):
    """?page= is any text a link or a person typed: a whole number of 1 or more (the page then clamps it to the
    last page); what is not a plain number of pages is page 1, a number is that page."""
    from voc.web.routes_theme import MAX_PAGE_DIGITS, page_number

    page = page_number(asked)
    assert isinstance(page, int) and 1 <= page <= 10 ** MAX_PAGE_DIGITS
    text = asked.strip()
    if re.fullmatch(r"[0-9]{1,9}", text):
        assert page == max(1, int(text))


prose = st.text(alphabet=string.ascii_letters + "äöü ,.!?", min_size=1, max_size=30)


@FAST
@given(st.lists(st.tuples(prose.filter(str.strip), st.lists(prose, max_size=3)), min_size=0, max_size=6),
       st.lists(prose, min_size=1, max_size=6), prose)  # a note of spaces only is quarantined as empty: not prose
def test_an_unclosed_quote_quarantines_one_row_that_names_the_lines_it_swallowed(before, after, opened):
    """Notes written over several lines (prose, commas and all) before an unclosed quote are read as rows; the row
    with the quote is quarantined saying which lines it swallowed; rows in = comments + quarantined."""
    text, line = HEADER, 2
    for i, (first, more) in enumerate(before):
        note = "\n".join([first, *more]).replace('"', "")
        text += f'c{i},"{note}",2026-11-02 14:30,A1,,,chat\n'
        line += 1 + len(more)
    opened_on = line
    text += f'x999,"{opened},2026-11-02 14:30,A1,,,chat\n'
    text += "".join(f"d{i},{t.replace(',', ' ')},2026-11-02 14:30,A1,,,chat\n" for i, t in enumerate(after))
    batch, comments, rejected = read_or_named_error(write(text.encode(), ".csv"))
    assert [c.comment_id for c in comments] == [f"c{i}" for i in range(len(before))]
    (bad,) = rejected
    last = opened_on + len(after)
    assert bad.where == f"drop.csv line {opened_on}"
    assert bad.reason.startswith(f"a quote opened on this line is not closed until the end of the file (line {last}); "
                                 f"{len(after)} following line")
    assert [said for _, said in batch.swallowed] == [
        f"drop.csv has {last - 1} data lines but {len(before) + 1} rows were read: an unclosed quote (line {opened_on} "
        f"took line{'s' * (len(after) > 1)} {opened_on + 1}{f'-{last}' if len(after) > 1 else ''}); those lines are "
        "quarantined in one row, not read: fix the quote and run again"]


@FAST
@given(st.sampled_from(["Kunde", "kunde", "KUNDIN", "Kundin", "Herr", "frau", "customer", "Mr"]),
       st.sampled_from(SURNAMES), st.sampled_from(["_", "-", "__"]),
       st.sampled_from(["", "2026-11_", "export_"]), st.sampled_from(["", "_2026-11-24", "-v2"]),
       st.sampled_from([".csv", ".xlsx", ".parquet", ".jsonl"]))
def test_a_file_named_after_a_customer_never_shows_the_name(cue, surname, joint, before, after, suffix):
    """Per-customer exports such as `Kunde_Müller.csv`, as ingest stores a file's name (`file_label`) and as any
    error quoting its path says it (`clean_message`): the surname is never readable, the suffix is."""
    from voc.ingest.naming import file_label

    file_name = f"{before}{cue}{joint}{surname.replace('-', joint)}{after}{suffix}"
    label = file_label(Path(file_name), "3fa2c1d4" * 8)
    said = str(SourceError(f"drops/{file_name} is empty: export the comments again"))
    for shown in (label, said):
        assert surname.split("-")[0] not in shown and suffix in shown, (file_name, shown)
