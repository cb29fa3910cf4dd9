"""People who log in to the web app: a name, a role, an argon2id password hash and, for agents, an agent_id.

A login name is shown as it is (the runs page, `voc user list`, the change queue), so, like an id in the input, it
may not be an e-mail address, a phone number, an IBAN or a card number, nor begin with a salutation
("frau.quandtmeyer": not a login a person picks for themselves; "anna.schmidt" is a staff member's own). An agent's
`--agent-id` is checked as ingest checks ids: no comment carries one that ingest refuses.

Roles: `pm` reads every theme and changes statuses, names, comments' sentiment and theme, merges;
`agent` sees only the comments filed under their own agent_id (`voc.agents.loop.agent_view` enforces it);
`admin` may do what a pm may. Passwords are never stored, only their argon2id hashes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from voc.errors import AccessError, ConfigError
from voc.ingest.ids import id_problem, starts_with_salutation
from voc.store import first_row
from voc.text.redact import ID_PERSONAL_DATA, personal_data_in_id

ROLES = ("pm", "agent", "admin")
MIN_PASSWORD_CHARS = 8  # short passwords fall to guessing; eight is the common floor
STAMP_CHARS = 16  # of a password hash's SHA-256, kept in the session: enough that no other password matches by chance
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    agent_id: str | None

    @property
    def can_change(self) -> bool:
        """May change statuses, names, corrections and merges."""
        return self.role in ("pm", "admin")


def add(con: duckdb.DuckDBPyConnection, name: str, role: str, password: str, agent_id: str | None = None,
        replace: bool = False) -> User:
    """Create (or with `replace`, reset) a user; an agent needs the agent_id their comments carry."""
    check(con, name, role, agent_id, replace)
    if len(password) < MIN_PASSWORD_CHARS:
        raise ConfigError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    con.execute("INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?)",
                [name, role, agent_id if role == "agent" else None, _hasher.hash(password), datetime.now()])
    return User(name, role, agent_id if role == "agent" else None)


def check(con: duckdb.DuckDBPyConnection, name: str, role: str, agent_id: str | None = None,
          replace: bool = False) -> None:
    """What `add` refuses whatever the password: the name, the role, the agent id, a user that exists (without
    `replace`). `voc user add` checks it before it asks for the password."""
    if not name or not name.replace("-", "").replace("_", "").replace(".", "").replace("@", "").isalnum():
        raise ConfigError(f"user name {name!r}: use letters, digits and - _ . @ only")
    kind = personal_data_in_id(name)  # the check ingest makes of ids: a login is stored and shown as it is
    if kind:
        raise ConfigError(f"a user name may not be {ID_PERSONAL_DATA[kind]}: it is shown on every change the user "
                          "makes; use an opaque login name (e.g. anna, pm.anna, a07)")
    if starts_with_salutation(name):  # the reason, not the name: it may be a customer's
        raise ConfigError("a user name may not begin with a salutation (Frau, Herr, Mr, Ms, ...): it names a person "
                          "and is shown on every change the user makes; use an opaque login name (e.g. anna, pm.anna)")
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}: choose {', '.join(ROLES)}")
    if role == "agent" and not agent_id:
        raise ConfigError("an agent user needs --agent-id: the agent_id their comments carry in the source")
    if role == "agent" and not agent_id.isprintable():  # ingest refuses such ids: no comment could carry it
        raise ConfigError("--agent-id must be one line of printable characters, as in the source's agent_id column")
    if role == "agent" and (problem := id_problem(agent_id)):
        raise ConfigError(f"--agent-id {problem}: ingest refuses such agent ids, so no comment could "
                          "carry it; use the agent's opaque id (e.g. A07)")
    exists = first_row(con, "SELECT 1 FROM users WHERE name = ?", [name])
    if exists and not replace:
        raise ConfigError(f"user {name!r} exists already: pass --replace to reset role, password and agent id")


def get(con: duckdb.DuckDBPyConnection, name: str) -> User | None:
    row = first_row(con, "SELECT name, role, agent_id FROM users WHERE name = ?", [name])
    return User(*row) if row else None


def session_of(con: duckdb.DuckDBPyConnection, name: str) -> tuple[User, str] | None:
    """The user as stored now and the stamp a session of theirs must carry (`stamp`), or None for no such user."""
    row = first_row(con, "SELECT name, role, agent_id, password_hash FROM users WHERE name = ?", [name])
    return (User(*row[:3]), stamp(row[3])) if row else None


def stamp(password_hash: str) -> str:
    """What a session carries of the password it was opened with: a new password (`add --replace`, which also sets
    the role and agent id) changes it, and every older session ends. The hash's salt is random, so a reset to the same
    password changes it too; the hash itself never leaves the store."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:STAMP_CHARS]


def remove(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Delete a user: their sessions end at the web app's next sync (see `voc.web.auth.user`)."""
    if first_row(con, "SELECT 1 FROM users WHERE name = ?", [name]) is None:
        raise ConfigError(f"no user {name!r}: see `voc user list`")
    con.execute("DELETE FROM users WHERE name = ?", [name])


def listing(con: duckdb.DuckDBPyConnection) -> list[User]:
    return [User(*r) for r in con.execute("SELECT name, role, agent_id FROM users ORDER BY name").fetchall()]


def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str) -> User:
    """The user when the password matches; AccessError (the same message for an unknown name) otherwise."""
    row = first_row(con, "SELECT name, role, agent_id, password_hash FROM users WHERE name = ?", [name])
    try:
        if row is None:
            _hasher.hash(password)  # spend the same time as a real check, so names cannot be probed by timing
            raise VerificationError
        _hasher.verify(row[3], password)
    except (VerificationError, InvalidHashError):
        raise AccessError("wrong user name or password") from None
    return User(*row[:3])
