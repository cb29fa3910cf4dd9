"""Deliver queued notifications to agents: one digest per agent, by webhook and/or e-mail.

`voc.workflow` puts one `outbox` row per (event, contributing agent). Delivery is
per channel and at least once:

- each digest is tried up to `attempts` times, waiting `backoff_seconds`, then twice
  that, and so on;
- a notification counts as delivered on a channel only once that channel has
  acknowledged it (HTTP 2xx, or the SMTP server accepted the message); then a row in
  `deliveries` gets `delivered_at`, and it is never sent on that channel again;
- a failing endpoint loses nothing: the attempt and its error are recorded, and the
  next `voc notify` (or nightly run) tries again.

A crash between the endpoint's acknowledgement and the database write can send a
digest twice; that is the price of never losing one.
"""

from __future__ import annotations

import json
import os
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Callable

import duckdb

from voc.errors import ConfigError, DeliveryError
from voc.store import transaction

PENDING_SQL = """
SELECT o.notification_id, o.agent_id, o.theme_id, coalesce(t.display_title, '#' || o.theme_id) AS theme,
       e.kind, e.from_status, e.to_status, e.note, e.changed_at
FROM outbox o
JOIN theme_events e USING (event_id)
LEFT JOIN current_themes t ON t.theme_id = o.theme_id
LEFT JOIN deliveries d ON d.notification_id = o.notification_id AND d.channel = ?
WHERE d.delivered_at IS NULL
ORDER BY o.agent_id, o.notification_id
"""


@dataclass(frozen=True)
class Channels:
    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    sender: str = "voc@localhost"
    address: str = "{agent_id}@localhost"  # how an agent id becomes an e-mail address
    attempts: int = 3
    backoff_seconds: float = 1.0
    timeout_seconds: float = 10.0

    @classmethod
    def from_env(cls, **overrides) -> "Channels":
        env = {"webhook_url": os.environ.get("VOC_WEBHOOK_URL"), "smtp_host": os.environ.get("VOC_SMTP_HOST"),
               "smtp_port": int(os.environ.get("VOC_SMTP_PORT", "25")),
               "sender": os.environ.get("VOC_SMTP_FROM", "voc@localhost"),
               "address": os.environ.get("VOC_AGENT_EMAIL", "{agent_id}@localhost")}
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)

    def configured(self) -> list[str]:
        return [name for name, on in (("webhook", self.webhook_url), ("email", self.smtp_host)) if on]


def pending(con: duckdb.DuckDBPyConnection, channel: str) -> dict[str, list[dict]]:
    """Undelivered notifications on `channel`, grouped by agent."""
    cur = con.execute(PENDING_SQL, [channel])
    names = [d[0] for d in cur.description]
    grouped: dict[str, list[dict]] = {}
    for row in cur.fetchall():
        item = dict(zip(names, row))
        grouped.setdefault(item["agent_id"], []).append(item)
    return grouped


def digest(agent_id: str, items: list[dict]) -> dict:
    lines = []
    for i in items:
        change = (f"is now {i['to_status']} (was {i['from_status']})" if i["kind"] == "status"
                  else "has a new note")
        lines.append(f"- Theme #{i['theme_id']} \"{i['theme']}\" {change}" + (f": {i['note']}" if i["note"] else ""))
    return {"agent_id": agent_id, "count": len(items),
            "items": [{k: (str(v) if isinstance(v, datetime) else v) for k, v in i.items() if k != "agent_id"}
                      for i in items],
            "text": "What happened to the customer comments you filed:\n" + "\n".join(lines)}


def send_webhook(channels: Channels, payload: dict) -> None:
    request = urllib.request.Request(channels.webhook_url, data=json.dumps(payload).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=channels.timeout_seconds) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"webhook unreachable: {exc}") from exc


def send_email(channels: Channels, payload: dict) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"] = channels.sender, channels.address.format(agent_id=payload["agent_id"])
    msg["Subject"] = f"voc: {payload['count']} update(s) on themes you reported"
    msg.set_content(payload["text"])
    try:
        with smtplib.SMTP(channels.smtp_host, channels.smtp_port, timeout=channels.timeout_seconds) as smtp:
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {channels.smtp_host}:{channels.smtp_port} refused: {exc}") from exc


SENDERS: dict[str, Callable[[Channels, dict], None]] = {"webhook": send_webhook, "email": send_email}


def _record(con, ids: list[int], channel: str, error: str | None) -> None:
    now = datetime.now()
    with transaction(con):
        for nid in ids:
            con.execute("""INSERT INTO deliveries VALUES (?, ?, 1, ?, ?, ?)
                           ON CONFLICT (notification_id, channel) DO UPDATE SET attempts = deliveries.attempts + 1,
                           last_error = excluded.last_error, last_attempt_at = excluded.last_attempt_at,
                           delivered_at = excluded.delivered_at""",
                        [nid, channel, error, now, None if error else now])


def deliver(con: duckdb.DuckDBPyConnection, channels: Channels, sleep: Callable[[float], None] = time.sleep) -> dict:
    """Send every pending digest on every configured channel; returns counts per channel."""
    if not channels.configured():
        raise ConfigError("no notification channel configured: pass --webhook URL and/or --smtp HOST:PORT "
                          "(or set VOC_WEBHOOK_URL / VOC_SMTP_HOST)")
    report = {}
    for channel in channels.configured():
        sent = failed = notifications = 0
        errors: list[str] = []
        for agent_id, items in pending(con, channel).items():
            ids = [i["notification_id"] for i in items]
            for attempt in range(1, channels.attempts + 1):
                try:
                    SENDERS[channel](channels, digest(agent_id, items))
                except DeliveryError as exc:
                    _record(con, ids, channel, str(exc))
                    if attempt == channels.attempts:
                        failed += 1
                        errors.append(f"{agent_id}: {exc}")
                    else:
                        sleep(channels.backoff_seconds * 2 ** (attempt - 1))
                    continue
                _record(con, ids, channel, None)
                sent, notifications = sent + 1, notifications + len(ids)
                break
        report[channel] = {"digests_sent": sent, "notifications": notifications, "digests_failed": failed,
                           "errors": errors[:5]}
    return report
