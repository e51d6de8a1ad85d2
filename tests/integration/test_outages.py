"""Drill: PostgreSQL goes away for a while and comes back.

The shop under test reaches the real PostgreSQL through a TCP gate (tests/tcp_gate.py);
cutting the gate breaks every connection and turns new ones away, as a database restart
or a broken network does. Pages answer a localized 503 (never a 500), Stripe is told to
retry, and the worker and the clock wait it out and carry on. SQLite's own fault (a
locked file) is drilled in test_faults.py.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url

from app.jobs.clock import keep_time
from app.jobs.schedule import Job
from app.outbox.worker import work
from tests.integration.helpers import (
    checkout_data,
    lead_data,
    messages,
    outbox_settings,
    send_webhook,
)
from tests.tcp_gate import TcpGate

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="plays a PostgreSQL server going away",
)


@pytest.fixture
def gated_url(database_url: str) -> Iterator[tuple[TcpGate, str]]:
    """(the gate, the database URL through it)."""
    url = make_url(database_url)
    with TcpGate(url.host or "127.0.0.1", url.port or 5432) as gate:
        yield gate, url.set(host="127.0.0.1", port=gate.port).render_as_string(hide_password=False)


def test_pages_answer_503_while_postgres_is_away_and_work_when_it_is_back(
    db, make_app, gated_url, stripe_app_settings, stripe
):
    gate, url = gated_url
    # Forms as a browser that loaded them before the outage sends them (CSRF has its own
    # tests).
    with make_app(
        SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, **stripe_app_settings
    ) as shop:
        browser = shop.test_client()
        assert browser.get("/").status_code == 200
        gate.cut()

        landing = browser.get("/")
        lead = browser.post("/leads", data=lead_data(), headers={"HX-Request": "true"})
        checkout = browser.post("/checkout/bilhete-geral", data=checkout_data())
        event = stripe.event("payment_intent.succeeded", {"id": "pi_away", "metadata": {}})
        webhook = send_webhook(browser, event)
        health = browser.get("/healthz")

        assert landing.status_code == 503
        assert landing.headers["Retry-After"] == "5"
        assert "Content-Security-Policy" in landing.headers
        assert "Estamos com muito movimento" in landing.get_data(as_text=True)
        # htmx puts the notice above the form, which keeps what was typed.
        assert lead.status_code == 503
        assert lead.headers["HX-Retarget"] == "closest form"
        assert checkout.status_code == 503
        # Any 5xx makes Stripe send the event again later.
        assert webhook.status_code == 503
        assert health.status_code == 503

        gate.restore()
        assert browser.get("/").status_code == 200
        assert browser.post("/leads", data=lead_data()).status_code == 303
        assert browser.get("/healthz").status_code == 200


def test_the_worker_and_the_clock_wait_out_postgres_away_for_20_seconds(
    app, client, db, make_app, gated_url, tmp_path, caplog
):
    gate, url = gated_url
    client.post("/leads", data=lead_data())
    [confirmation] = messages("email")
    assert confirmation.status == "pending"
    runs: list[float] = []
    tick = Job("outage drill", lambda: runs.append(time.monotonic()), every=timedelta(seconds=1))
    stop = threading.Event()

    with make_app(SQLALCHEMY_DATABASE_URI=url) as shop:

        def worker() -> None:
            with shop.app_context(), outbox_settings(shop, MAIL_DIR=str(tmp_path)):
                work(idle_seconds=0.1, stop=stop)

        def clock() -> None:
            with shop.app_context():
                keep_time([tick], stop, tick_seconds=0.2)

        threads = [threading.Thread(target=worker), threading.Thread(target=clock)]
        with caplog.at_level(logging.WARNING):
            gate.cut()  # away before either starts, and for 20 s
            for thread in threads:
                thread.start()
            time.sleep(20)
            assert all(thread.is_alive() for thread in threads), "a process gave up"
            assert runs == [] and messages("email")[0].status == "pending"
            gate.restore()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (
                runs and messages("email")[0].status == "delivered"
            ):
                time.sleep(0.2)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)

    assert messages("email")[0].status == "delivered"
    assert runs, "the clock never ran its job once the database was back"
    assert list(tmp_path.glob("*.eml"))
    assert "outbox worker: database error; trying again" in caplog.text
    assert "the clock could not reach its jobs: database error; trying again" in caplog.text
