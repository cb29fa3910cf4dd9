"""Web app users: `voc user add`, argon2 hashes, roles, and what `voc serve` refuses before starting."""

import os
import pty
import select
import subprocess
import sys

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.dbutil import rows
from tests.test_cli import invoke
from voc import store
from voc.errors import AccessError, ConfigError
from voc.web import users


def test_user_add_stores_a_hash_and_authenticates(store_copy, monkeypatch):
    monkeypatch.setenv("VOC_PASSWORD", "correct-horse")
    result = invoke("user", "add", "anna", "--role", "pm", "--db", store_copy)
    assert result.exit_code == 0 and "user anna (pm) saved" in result.output
    (role, agent, hashed), = rows(store_copy, "SELECT role, agent_id, password_hash FROM users WHERE name = 'anna'")
    assert role == "pm" and agent is None and hashed.startswith("$argon2id$") and "correct-horse" not in hashed
    with store.open(store_copy) as con:
        assert users.authenticate(con, "anna", "correct-horse").can_change
        with pytest.raises(AccessError, match="wrong user name or password"):
            users.authenticate(con, "anna", "Correct-horse")
        with pytest.raises(AccessError, match="wrong user name or password"):
            users.authenticate(con, "nobody", "correct-horse")
    again = invoke("user", "add", "anna", "--role", "pm", "--db", store_copy)
    assert again.exit_code == 2 and "--replace" in again.output
    listed = invoke("user", "list", "--db", store_copy)
    assert listed.exit_code == 0 and "anna" in listed.output


def test_user_add_refuses_what_it_cannot_use(store_copy, monkeypatch):
    monkeypatch.setenv("VOC_PASSWORD", "long-enough")
    no_agent = invoke("user", "add", "ali", "--role", "agent", "--db", store_copy)
    assert no_agent.exit_code == 2 and "--agent-id" in no_agent.output
    bad_role = invoke("user", "add", "ali", "--role", "boss", "--db", store_copy)
    assert bad_role.exit_code == 2 and "choose pm, agent, admin" in bad_role.output
    with store.open(store_copy, write=True) as con:
        with pytest.raises(ConfigError, match="at least 8"):
            users.add(con, "bo", "pm", "short")
        with pytest.raises(ConfigError, match="letters, digits"):
            users.add(con, "<script>", "pm", "long-enough")
        with pytest.raises(ConfigError, match="printable"):  # shown by `voc user list`: no ESC for the terminal
            users.add(con, "ali", "agent", "long-enough", agent_id="A07\x1b[2J")
        agent = users.add(con, "ali", "agent", "long-enough", agent_id="A07")
    assert agent == users.User("ali", "agent", "A07") and not agent.can_change


def test_an_agent_id_no_comment_carries_is_saved_with_a_note_naming_ids_that_exist(store_copy, monkeypatch):
    """A new agent may have filed nothing yet, so the user is saved; a typo ("a0l" for "A01") would leave them an
    empty page, so the command says so and names ids the store has, the closest first."""
    monkeypatch.setenv("VOC_PASSWORD", "long-enough")
    known = invoke("user", "add", "ali", "--role", "agent", "--agent-id", "A01", "--db", store_copy)
    assert known.exit_code == 0 and "note:" not in known.output
    typo = invoke("user", "add", "bo", "--role", "agent", "--agent-id", "a0l", "--db", store_copy)
    assert typo.exit_code == 0 and "user bo (agent, agent a0l) saved" in typo.output
    assert "no published comment carries agent id a0l yet" in typo.output and "e.g. A" in typo.output
    assert rows(store_copy, "SELECT agent_id FROM users WHERE name = 'bo'") == [("a0l",)]


def test_commands_have_help_with_an_example_and_serve_refuses_a_missing_store(tmp_path):
    for cmd in (["serve"], ["user", "add"], ["user", "list"]):
        result = invoke(*cmd, "--help")
        assert result.exit_code == 0 and "Example: voc" in result.output, cmd
    missing = invoke("serve", "--db", tmp_path / "none.duckdb")
    assert missing.exit_code == 3 and "no voc store" in missing.output


def test_a_login_name_holding_personal_data_is_refused_in_one_line(store_copy, monkeypatch):
    """A login name is shown in clear on the runs page, in `voc user list` and in the change queue, while the audit
    trail redacts it: `max@firma.de` would be both. Refused like an id in the input, saying what to use instead."""
    monkeypatch.setenv("VOC_PASSWORD", "secret123")
    result = invoke("user", "add", "max@firma.de", "--role", "pm", "--db", store_copy)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert "e-mail address" in result.output and "opaque login name" in result.output
    assert "max@" not in result.output  # the error line itself is redacted
    for name, kind in (("0171-1234567", "phone number"), ("DE89370400440532013000", "IBAN"), ("anna", None),
                       ("pm.anna", None), ("a07", None)):
        result = invoke("user", "add", name, "--role", "pm", "--db", store_copy)
        assert (result.exit_code == 0) == (kind is None), (name, result.output)
        assert kind is None or kind in result.output
    assert sorted(n for n, in rows(store_copy, "SELECT name FROM users")) == ["a07", "anna", "pm.anna"]


def test_a_login_that_addresses_a_person_is_refused_in_one_line(store_copy, monkeypatch):
    """Review F9: "frau.quandtmeyer@example" is not a login a person picks for themselves, and it would be shown on
    every change; a staff member's own name ("anna.schmidt") and a department's code ("hr.support") are logins. An
    agent id ingest refuses (a person's name) is refused too: no comment could carry it."""
    monkeypatch.setenv("VOC_PASSWORD", "secret123")
    for name in ("frau.quandtmeyer@example", "Herr-Meier", "mr_smith", "ms.anna"):
        result = invoke("user", "add", name, "--role", "pm", "--db", store_copy)
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, (name, result.output)
        assert "may not begin with a salutation" in result.output and "opaque login name" in result.output
        assert not [n for n in ("quandtmeyer", "meier", "smith") if n in result.output.lower()], result.output
    for name in ("anna.schmidt", "hr.support", "fr-team"):
        assert invoke("user", "add", name, "--role", "pm", "--db", store_copy).exit_code == 0, name
    agent = invoke("user", "add", "zq", "--role", "agent", "--agent-id", "Zacharias Quandtmeyer", "--db", store_copy)
    assert agent.exit_code == 2 and "--agent-id holds a person's name" in agent.output, agent.output
    assert "Quandtmeyer" not in agent.output
    assert sorted(n for n, in rows(store_copy, "SELECT name FROM users")) == ["anna.schmidt", "fr-team", "hr.support"]


@settings(max_examples=50, deadline=None)
@given(st.from_regex(r"[a-z]{1,8}([._-][a-z0-9]{1,8})?@[a-z]{2,10}(-[a-z]{2,6})?\.(de|com|example|co\.uk)",
                     fullmatch=True))
def test_no_e_mail_address_becomes_a_login_name(address):
    con = duckdb.connect()
    con.execute("CREATE TABLE users (name VARCHAR, role VARCHAR, agent_id VARCHAR, password_hash VARCHAR, "
                "created_at TIMESTAMP)")
    with pytest.raises(ConfigError, match="may not be an e-mail address"):
        users.add(con, address, "pm", "long-enough")
    assert con.execute("SELECT count(*) FROM users").fetchone() == (0,)


def _voc_user_add(db, *args, typing: str | None = None):
    """`voc user add` as an admin runs it, a process of its own without $VOC_PASSWORD: stdin a pipe (a script) or,
    with `typing`, a terminal (a pty) on which `typing` is typed at each prompt. No controlling terminal, so getpass
    prompts on stderr and reads stdin."""
    env = {k: v for k, v in os.environ.items() if k != "VOC_PASSWORD"}
    command = [sys.executable, "-m", "flows.cli", "user", "add", *args, "--db", str(db)]
    if typing is None:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                              timeout=120, start_new_session=True)
        return done.returncode, done.stdout + done.stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen(command, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    said = b""
    while select.select([proc.stderr], [], [], 120)[0] and (chunk := os.read(proc.stderr.fileno(), 1024)):
        said += chunk
        if said.endswith((b"password: ", b"again: ")):  # getpass flushes what was typed before its prompt
            os.write(master, typing.encode() + b"\n")
    out = proc.stdout.read()
    proc.wait(timeout=120)
    os.close(slave)
    os.close(master)
    return proc.returncode, (out + said).decode()


def test_user_add_checks_its_arguments_before_it_asks_for_the_password(store_copy, monkeypatch):
    """Walkthrough 5a F5: a refused role, name or agent id, or a user that exists, is said before the admin types
    the password twice; a script without $VOC_PASSWORD gets one line saying what to do, not "Aborted." and Python's
    GetPassWarning."""
    monkeypatch.setenv("VOC_PASSWORD", "long-enough")
    assert invoke("user", "add", "anna", "--role", "pm", "--db", store_copy).exit_code == 0
    for args, said in ((["x", "--role", "god"], "unknown role 'god'"), (["anna", "--role", "pm"], "exists already"),
                       (["max@firma.de", "--role", "pm"], "may not be an e-mail address"),
                       (["ali", "--role", "agent"], "needs --agent-id")):
        for typing in (None, "typed-password"):  # a script, an admin at a terminal
            code, output = _voc_user_add(store_copy, *args, typing=typing)
            assert code == 2 and said in output and "password:" not in output, (args, typing, output)
    code, output = _voc_user_add(store_copy, "bo", "--role", "pm")
    assert code == 2 and output.strip() == "error: no password to read: set VOC_PASSWORD or run it at a terminal"
    code, output = _voc_user_add(store_copy, "bo", "--role", "pm", typing="typed-password")
    assert code == 0 and "user bo (pm) saved" in output, output
    assert rows(store_copy, "SELECT name FROM users ORDER BY name") == [("anna",), ("bo",)]
