"""Bad days the shop must live through: the database locked or away under its pages and
its background processes."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from app.outbox.worker import work
from tests.integration.helpers import lead_data, messages, outbox_settings


def test_the_worker_lives_through_a_locked_database_and_delivers_afterwards(
    app, client, db, database_url, tmp_path, caplog
):
    if not database_url.startswith("sqlite"):
        pytest.skip("locks the SQLite file; PostgreSQL's own faults are other tests'")
    client.post("/leads", data=lead_data())
    [confirmation] = messages("email")
    assert confirmation.status == "pending"
    stop = threading.Event()
    lock = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # nobody else reads or writes for 20 s

    def worker() -> None:
        with app.app_context(), outbox_settings(app, MAIL_DIR=str(tmp_path)):
            work(idle_seconds=0.1, stop=stop)

    running = threading.Thread(target=worker)
    with caplog.at_level(logging.ERROR):
        running.start()
        time.sleep(20)
        assert running.is_alive(), "the worker gave up while the database was locked"
        lock.execute("ROLLBACK")
        lock.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and messages("email")[0].status != "delivered":
            time.sleep(0.2)
        stop.set()
        running.join(timeout=30)
    assert messages("email")[0].status == "delivered"
    assert "outbox worker: database error; trying again" in caplog.text
    assert list(tmp_path.glob("*.eml"))
