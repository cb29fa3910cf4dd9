"""Deliver queued notifications to agents: one digest per agent, by webhook and/or e-mail.

`voc.pm.workflow` puts one `outbox` row per (event, contributing agent). Delivery is
per channel and at least once:

- the pending digests are read, then the store is let go while they are sent (a
  slow endpoint never holds the store), and each outcome is recorded afterwards;
- each request is bounded by `timeout_seconds`; a refused or failing request is tried
  up to `attempts` times, waiting `backoff_seconds`, then twice that, and so on; a
  request that timed out is not repeated in the same run (the endpoint may have taken
  it: webhooks carry an `Idempotency-Key` so a receiver can drop a repeat);
- after MAX_FAILED_IN_A_ROW failed digests a channel is given up for this run: the rest
  stay queued, so a dead endpoint costs seconds, not minutes;
- a notification counts as delivered on a channel only once that channel has
  acknowledged it (HTTP 2xx, or the SMTP server accepted the message); then a row in
  `deliveries` gets `delivered_at`, and it is never sent on that channel again;
- an agent id that cannot be part of an address (`AGENT_ID`), or an address that is not
  exactly one mailbox in the template's domain, fails that digest only (`Unaddressable`): it is the agent's
  failure, not the channel's, so it is not retried and does not count toward giving the channel up.

A crash between the endpoint's acknowledgement and the database write can send a
digest twice; that is the price of never losing one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import smtplib
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Callable, ContextManager

import duckdb

from voc.agents.channels import Channels  # the settings; check_webhook_url and check_address_template live there
from voc.agents.loop import CHANGE_TITLES, page_path
from voc.agents.titles import localise, titles_in
from voc.agents.wording import (DEFAULT, LANGUAGES, agent_language, digest_text, for_agent, latest_per_theme,
                                look_here, subject)
from voc.errors import ConfigError, DeliveryError
from voc import store
from voc.store import dicts, transaction
from voc.text import escape

Store = Callable[[], ContextManager[duckdb.DuckDBPyConnection]]
AGENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # what may stand in an e-mail address's local part
MAX_FAILED_IN_A_ROW = 3


class Unaddressable(DeliveryError):
    """The agent's id cannot make an e-mail address from the template: that agent's digest fails, not the channel."""


class Timeout(DeliveryError):
    """The endpoint did not answer in time; it may still have taken the digest, so it is not resent now."""


# Themes are named as they were shown when the change happened (as the agent page names it); a change recorded before
# voc kept that name, by the theme's name now (a theme merged away since: as it was last shown). A change the agent
# has seen on their page since (`agent_seen`) is not sent: it stays in the outbox, never pending again.
PENDING_SQL = """
SELECT o.notification_id, o.agent_id, o.theme_id, coalesce(e.theme_title, n.name, '#' || o.theme_id) AS theme,
       e.kind, e.from_status, e.to_status, e.note, e.reason, e.changed_at,
       e.other_theme_id, coalesce(e.other_title, n2.name, '#' || e.other_theme_id) AS other_theme
FROM outbox o
JOIN theme_events e USING (event_id)
LEFT JOIN theme_names n ON n.theme_id = o.theme_id
LEFT JOIN theme_names n2 ON n2.theme_id = e.other_theme_id
LEFT JOIN deliveries d ON d.notification_id = o.notification_id AND d.channel = ?
LEFT JOIN agent_seen s ON s.agent_id = o.agent_id
WHERE d.delivered_at IS NULL AND o.event_id > coalesce(s.last_event_id, 0)
ORDER BY o.agent_id, o.notification_id
"""


def pending(con: duckdb.DuckDBPyConnection, channel: str) -> dict[str, list[dict]]:
    """Undelivered notifications on `channel`, grouped by agent."""
    grouped: dict[str, list[dict]] = {}
    for item in dicts(con, PENDING_SQL, [channel]):
        grouped.setdefault(item["agent_id"], []).append(item)
    return grouped


def agent_languages(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each agent's digest language: the one most of their published comments are in (`voc.agents.wording`)."""
    filed: dict[str, dict[str, int]] = {}
    for agent_id, language, n in con.execute("SELECT agent_id, language, count(*) FROM current_assignments "
                                             "WHERE agent_id IS NOT NULL GROUP BY ALL").fetchall():
        filed.setdefault(agent_id, {})[language] = n
    return {agent_id: agent_language(counts) for agent_id, counts in filed.items()}


def digest(agent_id: str, items: list[dict], language: str = DEFAULT, titles: dict[int, str] | None = None,
           web_url: str | None = None) -> dict:
    """The payload a webhook receives: the text, and each item as data worded for the agent
    (`voc.agents.wording.for_agent`: the change in words as `what`, only the note an agent reads): a theme's status
    and note changes as its latest state (`wording.latest_per_theme`; `notification_ids` the notifications an item
    stands for), its themes named in the agent's language (`titles`, `voc.agents.titles`). The text ends with where to
    look: a link to the agent's page at `web_url`, else the page's name. Chat tools render the text (Markdown,
    Slack's mrkdwn), so what people wrote in it is escaped for them (`escape.chat`); the items are data, as stored,
    for a receiver to show in its own medium."""
    plain = [{k: (str(v) if isinstance(v, datetime) else v) for k, v in i.items() if k != "agent_id"} for i in items]
    localise(plain, titles or {}, CHANGE_TITLES)
    worded = [for_agent({**i, "notification_ids": i.pop("ids")}, language) for i in latest_per_theme(plain)]
    where = look_here(language, web_url and web_url.rstrip("/") + page_path(agent_id))
    return {"agent_id": agent_id, "count": len(worded), "language": language, "items": worded,
            "text": digest_text(worded, language, escape.chat) + "\n" + where, "where": where}


def send_webhook(channels: Channels, payload: dict) -> None:
    ids = sorted(n for i in payload["items"] for n in i["notification_ids"])
    key = hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:32]
    request = urllib.request.Request(channels.webhook_url, data=json.dumps(payload).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=channels.timeout_seconds) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from exc
    except (TimeoutError, socket.timeout) as exc:
        raise Timeout(f"webhook did not answer within {channels.timeout_seconds:g} s") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise Timeout(f"webhook did not answer within {channels.timeout_seconds:g} s") from exc
        raise DeliveryError(f"webhook unreachable: {exc.reason}") from exc
    except OSError as exc:
        raise DeliveryError(f"webhook unreachable: {exc}") from exc


def agent_address(template: str, agent_id: str) -> str:
    """The agent's e-mail address from the template, or DeliveryError when the id cannot safely be part of one."""
    if not AGENT_ID.fullmatch(agent_id):
        raise Unaddressable(f"agent id {agent_id!r} cannot be used in an e-mail address (letters, digits, . _ - only)")
    address = template.format(agent_id=agent_id)
    parsed = getaddresses([address])
    domain = template.rsplit("@", 1)[-1]
    if len(parsed) != 1 or parsed[0][1] != address or not address.endswith("@" + domain):
        raise Unaddressable(f"{address!r} is not one address in {domain}; check --email")
    return address


def send_email(channels: Channels, payload: dict) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"] = channels.sender, agent_address(channels.address, payload["agent_id"])
    msg["Subject"] = subject(payload["count"], payload["language"])
    msg.set_content(digest_text(payload["items"], payload["language"])  # plain text: as written, unescaped
                    + "\n" + payload["where"])
    try:
        with smtplib.SMTP(channels.smtp_host, channels.smtp_port, timeout=channels.timeout_seconds) as smtp:
            smtp.send_message(msg)
    except (TimeoutError, socket.timeout) as exc:
        raise Timeout(f"SMTP {channels.smtp_host}:{channels.smtp_port} did not answer in time") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {channels.smtp_host}:{channels.smtp_port} refused: {exc}") from exc


SENDERS: dict[str, Callable[[Channels, dict], None]] = {"webhook": send_webhook, "email": send_email}


def _record(con, ids: list[int], channel: str, error: str | None, attempts: int, now: datetime) -> None:
    for nid in ids:
        con.execute("""INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT (notification_id, channel) DO UPDATE SET
                       attempts = deliveries.attempts + excluded.attempts, last_error = excluded.last_error,
                       last_attempt_at = excluded.last_attempt_at, delivered_at = excluded.delivered_at""",
                    [nid, channel, attempts, error, now, None if error else now])


def send_digest(channels: Channels, channel: str, payload: dict,
                sleep: Callable[[float], None]) -> tuple[int, str | None, bool]:
    """Try one digest: (attempts made, None when acknowledged else the last error, whether that error is the
    agent's own: an id that makes no address, which no retry and no other endpoint would fix)."""
    for attempt in range(1, channels.attempts + 1):
        try:
            SENDERS[channel](channels, payload)
            return attempt, None, False
        except (Timeout, Unaddressable) as exc:
            return attempt, str(exc), isinstance(exc, Unaddressable)
        except DeliveryError as exc:
            if attempt == channels.attempts:
                return attempt, str(exc), False
            sleep(channels.backoff_seconds * 2 ** (attempt - 1))
    raise AssertionError("unreachable: the loop returns on its last attempt")


def send_pending(db: Path, channels: Channels) -> dict:
    """`deliver` for the store at `db`, as its one sender (`store.send_lock`): a second `voc notify` at the same time
    stops with SendInProgressError instead of sending every digest again."""
    with store.send_lock(db):
        return deliver(functools.partial(store.open, db, write=True), channels)


def deliver(open_store: Store, channels: Channels, sleep: Callable[[float], None] = time.sleep) -> dict:
    """Send every pending digest on every configured channel; returns counts per channel.
    `open_store()` opens the store for writing; it is held only to read what is pending and to record outcomes."""
    if not channels.configured():
        raise ConfigError("no notification channel configured: pass --webhook URL and/or --smtp HOST:PORT "
                          "(or set VOC_WEBHOOK_URL / VOC_SMTP_HOST)")
    report = {}
    for channel in channels.configured():
        with open_store() as con:
            queued, languages = pending(con, channel), agent_languages(con)
            titles = {language: titles_in(con, language) for language in LANGUAGES}
        outcomes, errors, failed_in_a_row = [], [], 0
        for agent_id, items in queued.items():
            if failed_in_a_row >= MAX_FAILED_IN_A_ROW:
                break
            language = languages.get(agent_id, DEFAULT)
            payload = digest(agent_id, items, language, titles[language], channels.web_url)
            attempts, error, agents_own = send_digest(channels, channel, payload, sleep)
            outcomes.append(([i["notification_id"] for i in items], attempts, error))
            if not agents_own:  # an unaddressable agent says nothing about the channel
                failed_in_a_row = failed_in_a_row + 1 if error else 0
            if error:
                errors.append(f"{agent_id}: {error}")
        now = datetime.now()
        with open_store() as con, transaction(con):
            for ids, attempts, error in outcomes:
                _record(con, ids, channel, error, attempts, now)
        sent = [ids for ids, _, error in outcomes if error is None]
        report[channel] = {"digests_sent": len(sent), "notifications": sum(map(len, sent)),
                           "digests_failed": len(outcomes) - len(sent), "digests_deferred": len(queued) - len(outcomes),
                           "errors": errors[:5]}
    return report


def delivery_lines(report: dict) -> list[str]:
    """What `deliver` did, per channel, as `voc notify` and a night's summary say it."""
    lines = []
    for channel, r in report.items():
        lines.append(f"{channel}: {r['digests_sent']} digests ({r['notifications']} notifications) sent, "
                     f"{r['digests_failed']} failed and kept for the next run")
        if r["digests_deferred"]:
            lines.append(f"  {r['digests_deferred']} more digests not tried after {MAX_FAILED_IN_A_ROW} failures in a "
                         "row; they wait for the next run")
        lines += [f"  {e}" for e in r["errors"]]
    return lines
