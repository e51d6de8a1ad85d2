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
from tests.integration.helpers import lead_data, messages, outbox_settings, send_webhook


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


def test_a_locked_database_answers_503_keeping_the_form_and_stripe_retries(
    app, client, stripe_client, stripe, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("locks the SQLite file")
    lock = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    answers: dict[str, object] = {}

    def plain() -> None:
        answers["plain"] = app.test_client().post("/leads", data=lead_data())

    def htmx() -> None:
        answers["htmx"] = app.test_client().post(
            "/en/leads", data=lead_data(), headers={"HX-Request": "true"}
        )

    def webhook() -> None:
        event = stripe.event("payment_intent.succeeded", {"id": "pi_x", "metadata": {}})
        answers["webhook"] = send_webhook(stripe_client, event)

    try:
        threads = [threading.Thread(target=send) for send in (plain, htmx, webhook)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
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
    # Stripe is told to come back (any 5xx), and comes back to a working shop.
    assert answers["webhook"].status_code == 503
    assert client.get("/healthz").status_code == 200


def test_healthz_is_503_on_a_database_without_the_schema(make_app, db, tmp_path):
    with make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}") as shop:
        answer = shop.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "error"
