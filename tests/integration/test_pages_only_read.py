"""A GET only reads: opening or polling the order and attendee pages writes nothing.

Every statement the database receives while a page is served is counted; an INSERT,
UPDATE or DELETE is a write. Expiry, closing payments and reading late payments at the
provider belong to reconciliation (the worker), and the pages still tell the truth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from app.extensions import db
from app.payments.reconcile import reconcile
from app.timeutil import utcnow
from tests.integration.helpers import check_out, check_out_like_a_browser, csrf_token, only_order

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
POLL = {"HX-Request": "true"}


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def writes(seen: list[str]) -> list[str]:
    return [statement for statement in seen if WRITE.match(statement)]


def serve(client, path: str, **headers: str) -> tuple[str, list[str]]:
    """The page's HTML and the statements serving it took."""
    db.session.rollback()
    with statements() as seen:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True), seen


def test_the_order_page_and_its_poll_write_nothing_while_waiting(client, db):
    check_out(client, payment_method="mb_way")
    order = only_order()
    page = f"/order/{order.public_token}"
    for headers in ({}, POLL):
        html, seen = serve(client, page, **headers)
        assert 'data-order-status="awaiting_payment"' in html
        assert seen, "the page read the order"
        assert writes(seen) == []


def test_an_overdue_hold_shows_as_expired_without_a_write_and_the_worker_moves_it(client, db):
    check_out(client, payment_method="mb_way")
    order = only_order()
    order.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = f"/order/{order.public_token}"
    for headers in ({}, POLL):
        html, seen = serve(client, page, **headers)
        assert 'data-order-status="expired"' in html
        # Stopped following: no more polling once the outcome is final.
        assert "hx-trigger" not in html.split('id="order-status"', 1)[1].split(">", 1)[0]
        assert writes(seen) == []
    db.session.refresh(order)
    assert order.status == "awaiting_payment"
    assert reconcile().expired == 1
    db.session.refresh(order)
    assert order.status == "expired"


def test_a_paid_order_and_its_attendee_page_write_nothing(client, db):
    card_page = client.get(check_out(client, payment_method="card")).get_data(as_text=True)
    order = only_order()
    client.post(
        f"/demo/card/{order.public_token}",
        data={"cardholder_name": "Joao", "csrf_token": csrf_token(card_page)},
    )
    db.session.refresh(order)
    assert order.status == "paid"
    page = f"/order/{order.public_token}"
    first, seen = serve(client, page)
    assert "purchase" in first
    assert writes(seen) == []
    # The purchase is pushed once per browser: the second view does not repeat it.
    again, seen = serve(client, page)
    assert '"event": "purchase"' not in again
    assert writes(seen) == []
    _, seen = serve(client, f"/attendee/{order.attendee_token}")
    assert writes(seen) == []


def test_the_stripe_order_page_neither_writes_nor_asks_stripe(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    # Long past the throttle and the hold: the old page would have asked Stripe and
    # cancelled the payment there.
    order.provider_checked_at = utcnow() - timedelta(minutes=10)
    order.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    calls_before = len(stripe.requests)
    for headers in ({}, POLL):
        html, seen = serve(stripe_client, f"/order/{order.public_token}", **headers)
        assert 'data-order-status="expired"' in html
        assert writes(seen) == []
    assert len(stripe.requests) == calls_before
