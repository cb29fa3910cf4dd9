"""Where digests go and what voc needs to send them: the channels' settings (`Channels`), checked once, before
anything is sent (`voc.agents.notify` sends)."""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass

from voc.errors import ConfigError
from voc.text import escape

MAX_PORT = 65535  # TCP ports are 16 bits


@dataclass(frozen=True)
class Channels:
    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    sender: str = "voc@localhost"
    address: str | None = None  # how an agent id becomes an e-mail address: "{agent_id}@cc.example", never guessed
    attempts: int = 3
    backoff_seconds: float = 1.0
    timeout_seconds: float = 10.0
    web_url: str | None = None  # the web app's address: each digest links to the agent's page there

    @classmethod
    def from_env(cls, **overrides) -> "Channels":
        env = {"webhook_url": os.environ.get("VOC_WEBHOOK_URL"), "smtp_host": os.environ.get("VOC_SMTP_HOST"),
               "smtp_port": int(_env_number("VOC_SMTP_PORT", 25)),
               "sender": os.environ.get("VOC_SMTP_FROM", "voc@localhost"),
               "address": os.environ.get("VOC_AGENT_EMAIL"),
               "timeout_seconds": _env_number("VOC_NOTIFY_TIMEOUT", 10.0),
               "web_url": os.environ.get("VOC_WEB_URL") or None}
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)

    def __post_init__(self) -> None:
        """Settings voc cannot use are refused here, once, before anything is sent (one ConfigError each)."""
        if self.webhook_url is not None:
            check_webhook_url(self.webhook_url)
        if self.attempts < 1:
            raise ConfigError(f"--attempts {self.attempts} must be 1 or more (tries per digest)")
        if not self.timeout_seconds > 0:
            raise ConfigError(f"a timeout of {self.timeout_seconds:g} s cannot be waited: pass --timeout (or "
                              "VOC_NOTIFY_TIMEOUT) above 0, e.g. 10")
        if self.backoff_seconds < 0:
            raise ConfigError(f"backoff_seconds {self.backoff_seconds:g} must be 0 or more")
        if not 0 < self.smtp_port <= MAX_PORT:
            raise ConfigError(f"SMTP port {self.smtp_port} is not a port (1 to {MAX_PORT}): pass --smtp HOST:PORT, "
                              "e.g. --smtp mail.example:25 (or VOC_SMTP_PORT)")
        if self.smtp_host and self.address is None:  # a guessed domain would be accepted, marked sent, and lost
            raise ConfigError("e-mail needs the agents' addresses: pass --email '{agent_id}@your-company.example' "
                              "(or set VOC_AGENT_EMAIL)")
        if self.address is not None:
            check_address_template(self.address)
        if self.web_url is not None and escape.http_url(self.web_url) is None:
            raise ConfigError(f"VOC_WEB_URL {self.web_url!r} is not an http(s) address: set the web app's address "
                              "as agents open it, e.g. https://voc.example (digests link to each agent's page there)")

    def configured(self) -> list[str]:
        return [name for name, on in (("webhook", self.webhook_url), ("email", self.smtp_host)) if on]


def check_webhook_url(url: str) -> None:
    """A webhook is an http:// or https:// URL with a host; anything else is a ConfigError naming the value."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"webhook {url!r} is not an http(s) URL: pass one such as --webhook "
                          "https://chat.example/hooks/voc (or set VOC_WEBHOOK_URL)")


def check_address_template(template: str) -> None:
    """The agent address template must name {agent_id} once, before an @domain, and nothing else in braces."""
    try:
        sample = template.format(agent_id="A07")
    except (KeyError, IndexError, ValueError):
        sample = None
    # The value is not quoted: errors are redacted, so a typed address would read back as "[EMAIL]".
    if template.count("{agent_id}") != 1:
        problem = "is an address without {agent_id}"
    elif sample is None:
        problem = "may name nothing but {agent_id} in braces"
    elif "@" not in template.split("{agent_id}", 1)[1]:
        problem = "needs an @domain after {agent_id}"
    else:
        return
    raise ConfigError(f"--email {problem}: write it as '{{agent_id}}@corp.example' (or set VOC_AGENT_EMAIL)")


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number") from None
