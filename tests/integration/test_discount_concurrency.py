"""Many buyers at once with a code that has a few uses left: the code's row lock (taken
after the offer's, in the same transaction) must never let it be used once too often,
even when the buyers are on different offers (different offer locks). Runs on SQLite and
on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db as _db
from app.orders.coupons import uses_of
from app.orders.models import Order
from tests.integration.discount_helpers import make_code, offer_named
from tests.integration.helpers import checkout_data, race_through_checkout, race_to_place


def test_thirty_buyers_on_two_offers_use_a_ten_use_code_exactly_ten_times(app, db):
    code_id = make_code("DEZ", "percent", 10, max_uses=10)
    offers = [offer_named().id, offer_named("bilhete-vip").id]
    buyers = 30
    results = race_to_place(app, buyers, lambda n: offers[n % 2], promo_code="dez")

    assert results.count("ok") == 10, results
    assert results.count("promo_used_up") == buyers - 10
    _db.session.rollback()
    with_code = _db.session.scalar(
        select(func.count(Order.id)).where(Order.discount_code_id == code_id)
    )
    assert with_code == 10
    assert uses_of(code_id) == 10


def test_through_the_checkout_page_a_three_use_code_goes_to_three_of_twenty(app, client):
    make_code("TRES", "amount", 1000, max_uses=3)
    buyers = 20
    forms = [
        checkout_data(
            email=f"buyer{n}@example.pt", checkout_key=f"code-race-{n}", promo_code="tres"
        )
        for n in range(buyers)
    ]
    answers = race_through_checkout(app, forms)

    statuses = [status for status, _ in answers]
    assert statuses.count(303) == 3, sorted(set(statuses))
    assert statuses.count(422) == buyers - 3
    for status, body in answers:
        if status == 422:
            assert 'data-promo-error="promo_used_up"' in body
    _db.session.rollback()
    amounts = _db.session.scalars(select(Order.amount_cents)).all()
    assert sorted(amounts) == [13700] * 3
