"""Bad days the shop must live through: the database locked or away under its pages and
its background processes."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import make_url

from app.outbox.worker import work
from tests.integration.helpers import lead_data, messages, outbox_settings, send_webhook

# These lock the SQLite file; skipped before any fixture runs on PostgreSQL, whose own
# faults (connections refused) are not played here.
ON_SQLITE = pytest.mark.skipif(
    os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="locks the SQLite file",
)


@ON_SQLITE
def test_the_worker_lives_through_a_locked_database_and_delivers_afterwards(
    app, client, db, database_url, tmp_path, caplog
):
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
    with caplog.at_level(logging.WARNING):
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


@contextmanager
def locked(database_url: str) -> Iterator[None]:
    """The SQLite file locked by another connection for the block (nobody reads or writes)."""
    lock = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        lock.execute("ROLLBACK")
        lock.close()


@ON_SQLITE
def test_a_locked_database_answers_503_and_keeps_the_form(app, client, database_url):
    answers: dict[str, object] = {}

    def plain() -> None:
        answers["plain"] = app.test_client().post("/leads", data=lead_data())

    def htmx() -> None:
        answers["htmx"] = app.test_client().post(
            "/en/leads", data=lead_data(), headers={"HX-Request": "true"}
        )

    with locked(database_url):
        threads = [threading.Thread(target=send) for send in (plain, htmx)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    plain_answer, htmx_answer = answers["plain"], answers["htmx"]
    assert plain_answer.status_code == 503
    assert plain_answer.headers["Retry-After"] == "5"
    page = plain_answer.get_data(as_text=True)
    assert "Estamos com muito movimento" in page and "data-busy" in page
    assert "Content-Security-Policy" in plain_answer.headers
    # With htmx the notice goes above the form, which stays with what was typed.
    assert htmx_answer.status_code == 503
    assert htmx_answer.headers["HX-Retarget"] == "closest form"
    assert htmx_answer.headers["HX-Reswap"] == "beforebegin"
    assert "What you typed is still in the form" in htmx_answer.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200


@ON_SQLITE
def test_a_locked_database_tells_stripe_to_retry(stripe_client, stripe, database_url):
    event = stripe.event("payment_intent.succeeded", {"id": "pi_x", "metadata": {}})
    with locked(database_url):
        answer = send_webhook(stripe_client, event)
    # Any 5xx makes Stripe send the event again later.
    assert answer.status_code == 503
    again = send_webhook(stripe_client, event)
    assert again.status_code == 200


def test_healthz_is_503_on_a_database_without_the_schema(make_app, db, tmp_path):
    with make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}") as shop:
        answer = shop.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "error"
