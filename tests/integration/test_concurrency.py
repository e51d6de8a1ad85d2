"""Many buyers at once for the last seats: the row lock must never oversell."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.holds import seats_left
from app.orders.models import Order
from tests.integration.helpers import checkout_data, race_through_checkout, race_to_place


def test_buyers_racing_for_the_last_seats_never_oversell(app, db):
    offer = db.session.scalar(select(Offer).where(Offer.slug == "bilhete-vip"))
    offer.capacity = 5
    _db.session.commit()
    offer_id = offer.id

    buyers = 40
    results = race_to_place(app, buyers, lambda _n: offer_id)

    assert results.count("ok") == 5
    assert results.count("sold_out") == buyers - 5
    _db.session.rollback()  # read what the buyers committed, not an older snapshot
    taken = _db.session.scalar(select(func.count(Order.id)).where(Order.offer_id == offer_id))
    assert taken == 5


def test_two_hundred_buyers_for_fifty_seats_get_fifty_holds_and_clear_sold_out_answers(app, client):
    """Through the real checkout endpoint, all at once, on SQLite and on PostgreSQL."""
    offer = _db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    offer.capacity = 50
    _db.session.commit()
    offer_id = offer.id

    buyers = 200
    forms = [
        checkout_data(email=f"buyer{n}@example.pt", checkout_key=f"race-{n}") for n in range(buyers)
    ]
    answers = race_through_checkout(app, forms)

    statuses = [status for status, _ in answers]
    assert statuses.count(303) == 50, sorted(set(statuses))
    assert statuses.count(409) == 150
    for status, body in answers:
        if status == 409:
            # A clear answer: sold out, and the waiting list instead.
            assert "data-sold-out" in body
            assert "data-waitlist-link" in body
    _db.session.rollback()
    holds = _db.session.scalar(
        select(func.count(Order.id)).where(
            Order.offer_id == offer_id, Order.status == "awaiting_payment"
        )
    )
    assert holds == 50
    offer = _db.session.get(Offer, offer_id)
    assert seats_left(offer) == 0


def test_ten_identical_submits_at_once_all_land_on_one_order(app, client):
    """A double (or tenfold) tap on pay: one order, and every answer leads to it."""
    taps = 10
    start_together = threading.Barrier(taps)
    form = checkout_data(payment_method="multibanco", checkout_key="double-tap-1")

    def tap(_n):
        browser = app.test_client()
        start_together.wait()
        response = browser.post("/checkout/bilhete-geral", data=form)
        return response.status_code, response.headers.get("Location")

    with ThreadPoolExecutor(max_workers=taps) as pool:
        answers = list(pool.map(tap, range(taps)))

    assert [status for status, _ in answers] == [303] * taps, answers
    _db.session.rollback()
    [order] = _db.session.scalars(select(Order)).all()
    assert {location for _, location in answers} == {f"/order/{order.public_token}"}
