"""Shared fixtures: a real Prefect test API, small generated demo data, and one pipeline run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # as `voc`: no telemetry heartbeat from the test API


@pytest.fixture(scope="session", autouse=True)
def prefect_api():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    from voc.demo import generate

    return generate(tmp_path_factory.mktemp("demo"), n_comments=600, n_days=21, seed=3)


@pytest.fixture(scope="session")
def published_db(tmp_path_factory, demo_files):
    """A store after one successful nightly flow run on the small demo set (read-only use: copy it to modify)."""
    from flows.nightly import nightly

    db = tmp_path_factory.mktemp("store") / "voc.duckdb"
    summary = nightly(str(demo_files.comments), str(db), source_name="demo")
    return db, summary


@pytest.fixture
def store_copy(published_db, tmp_path) -> Path:
    db, _ = published_db
    target = tmp_path / "voc.duckdb"
    shutil.copy(db, target)
    return target


@pytest.fixture
def smtp_server():
    """A real local SMTP server (aiosmtpd); yields (port, received messages) and stops afterwards."""
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:  # aiosmtpd needs a concrete port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()
