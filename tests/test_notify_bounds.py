"""Notifications against endpoints that hang or answer late: bounded, the store free meanwhile, nothing lost."""

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from typer.testing import CliRunner

from flows.cli import app
from voc import store
from voc.agents import notify
from voc.pm import workflow


class SlowHook:
    """A local endpoint that sleeps `delay` seconds before answering 200; it records each request's key and
    whether another process could open the store for writing while the request was in flight."""

    def __init__(self, delay, db=None):
        self.delay, self.db, self.keys, self.store_free = delay, db, [], []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                hook.keys.append(self.headers["Idempotency-Key"])
                if hook.db is not None:
                    hook.store_free.append(hook.can_write())
                time.sleep(hook.delay)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def can_write(self) -> bool:
        code = f"import duckdb; duckdb.connect({str(self.db)!r}).close()"
        return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def queue_for_every_agent(db):
    with store.open(db, write=True) as con:
        for theme, in con.execute("SELECT theme_id FROM current_themes ORDER BY rank LIMIT 3").fetchall():
            workflow.update(con, theme, "anna", note="Looking into it")
        return store.scalar(con, "SELECT count(DISTINCT agent_id) FROM outbox")


def test_a_hanging_webhook_is_bounded_does_not_hold_the_store_and_loses_nothing(store_copy):
    agents = queue_for_every_agent(store_copy)
    hook = SlowHook(delay=3, db=store_copy)
    try:
        result = notify.deliver(lambda: store.open(store_copy, write=True),
                                notify.Channels(webhook_url=hook.url, timeout_seconds=0.5, attempts=3))
    finally:
        hook.close()
    web = result["webhook"]
    assert web["digests_sent"] == 0 and web["digests_failed"] == notify.MAX_FAILED_IN_A_ROW
    assert web["digests_deferred"] == agents - notify.MAX_FAILED_IN_A_ROW
    assert len(hook.keys) == notify.MAX_FAILED_IN_A_ROW == len(set(hook.keys))  # a timed-out digest is not resent
    assert all(hook.store_free)  # the store was free while each request hung
    with store.open(store_copy) as con:
        assert store.scalar(con, "SELECT count(*) FROM deliveries WHERE delivered_at IS NOT NULL") == 0


def test_voc_notify_exits_non_zero_when_nothing_was_delivered_and_zero_when_it_was(store_copy):
    queue_for_every_agent(store_copy)
    hook = SlowHook(delay=2)
    try:
        result = CliRunner().invoke(app, ["notify", "--db", str(store_copy), "--webhook", hook.url, "--attempts", "1",
                                          "--timeout", "0.3"])
    finally:
        hook.close()
    assert result.exit_code == 8 and "no digest could be delivered" in result.output
    fast = SlowHook(delay=0)
    try:
        ok = CliRunner().invoke(app, ["notify", "--db", str(store_copy), "--webhook", fast.url])
    finally:
        fast.close()
    assert ok.exit_code == 0 and "0 failed" in ok.output


def test_a_late_200_is_not_sent_again_in_the_same_run_and_carries_a_stable_key(store_copy):
    with store.open(store_copy, write=True) as con:
        theme = store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")
        workflow.update(con, theme, "anna", note="x")
        agent = store.scalar(con, "SELECT min(agent_id) FROM outbox")
        con.execute("DELETE FROM outbox WHERE agent_id <> ?", [agent])
    hook = SlowHook(delay=1.5)
    try:
        opener = lambda: store.open(store_copy, write=True)  # noqa: E731
        first = notify.deliver(opener, notify.Channels(webhook_url=hook.url, timeout_seconds=0.5, attempts=5))
        second = notify.deliver(opener, notify.Channels(webhook_url=hook.url, timeout_seconds=5))
    finally:
        hook.close()
    assert first["webhook"]["digests_failed"] == 1 and "did not answer within 0.5 s" in first["webhook"]["errors"][0]
    assert second["webhook"]["digests_sent"] == 1
    assert len(hook.keys) == 2 and hook.keys[0] == hook.keys[1]  # one try per run; the receiver can drop the repeat
    payload_keys = json.dumps(hook.keys)
    assert "None" not in payload_keys


def test_a_second_sender_while_one_sends_stops_instead_of_sending_every_digest_again(store_copy):
    """Two `voc notify` at once (a cron job overlapping the nightly's own sending) delivered each agent's digest
    twice: both read the same pending notifications. Now the second stops with one line (exit 3), sends nothing,
    and a run that ends meanwhile leaves its notifications queued."""
    from voc import pipeline
    from voc.config import Settings

    agents = queue_for_every_agent(store_copy)
    hook = SlowHook(delay=0.2)
    channels = notify.Channels(webhook_url=hook.url)
    first = threading.Thread(target=notify.send_pending, args=(store_copy, channels))
    try:
        first.start()
        while not hook.keys:  # the first sender is under way
            time.sleep(0.05)
        result = CliRunner().invoke(app, ["notify", "--db", str(store_copy), "--webhook", hook.url])
        ran = pipeline.notify(Settings(db=store_copy), channels)
        first.join()
    finally:
        hook.close()
    assert result.exit_code == 3 and result.output.startswith(
        f"error: another voc notify is sending the digests of {store_copy} (pid "), result.output
    assert ran["skipped"].startswith("another voc notify is sending"), ran
    assert len(hook.keys) == len(set(hook.keys)) == agents  # each digest once
