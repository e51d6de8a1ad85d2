"""Nobody can hoard seats: at most OPEN_ORDERS_LIMIT unpaid orders per person and per
network address at once, and a Multibanco voucher holds a seat at most
MULTIBANCO_HOLD_HOURS and never past the end of sales."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.catalog.models import Offer
from app.orders.models import Order
from app.timeutil import as_utc, utcnow
from tests.integration.helpers import checkout_data, only_order


def _buy(client, n: int, *, email: str, address: str = "203.0.113.7", method="multibanco"):
    return client.post(
        "/checkout/bilhete-geral",
        data=checkout_data(payment_method=method, email=email, checkout_key=f"hoard-{n}"),
        environ_base={"REMOTE_ADDR": address},
    )


def test_one_email_holds_at_most_two_unpaid_orders(make_app, db):
    with make_app(OPEN_ORDERS_LIMIT=2, WTF_CSRF_ENABLED=False) as shop:
        client = shop.test_client()
        first = _buy(client, 1, email="ana@example.pt", address="203.0.113.1")
        second = _buy(client, 2, email="ANA@example.pt", address="203.0.113.2")
        third = _buy(client, 3, email="ana@example.pt", address="203.0.113.3")
    assert (first.status_code, second.status_code) == (303, 303)
    assert third.status_code == 409
    assert "data-too-many-open" in third.get_data(as_text=True)
    # What she typed is still in the form.
    assert 'value="ana@example.pt"' in third.get_data(as_text=True)


def test_one_address_holds_at_most_two_unpaid_orders_and_a_paid_or_expired_one_frees_it(
    make_app, db
):
    with make_app(OPEN_ORDERS_LIMIT=2, WTF_CSRF_ENABLED=False) as shop:
        client = shop.test_client()
        assert _buy(client, 1, email="a@example.pt").status_code == 303
        assert _buy(client, 2, email="b@example.pt").status_code == 303
        assert _buy(client, 3, email="c@example.pt").status_code == 409
        # Another address is not held back.
        assert _buy(client, 4, email="d@example.pt", address="198.51.100.4").status_code == 303
        db.session.rollback()  # read what the shop committed
        held = db.session.scalars(select(Order).order_by(Order.created_at)).first()
        held.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert _buy(client, 5, email="c@example.pt").status_code == 303


def test_a_multibanco_voucher_holds_a_seat_48_hours_at_most_and_never_past_sales(client, db):
    client.post("/checkout/bilhete-geral", data=checkout_data(payment_method="multibanco"))
    order = only_order()
    # The demo voucher could be paid for three days; the seat is held two.
    held = as_utc(order.expires_at) - utcnow()
    assert timedelta(hours=47, minutes=59) < held <= timedelta(hours=48)
    offer = db.session.scalar(select(Offer).where(Offer.slug == "bilhete-vip"))
    offer.sales_end = utcnow() + timedelta(hours=5)
    db.session.commit()
    client.post(
        "/checkout/bilhete-vip",
        data=checkout_data(payment_method="multibanco", email="v@example.pt", checkout_key="v"),
    )
    vip = db.session.scalar(select(Order).where(Order.offer_id == offer.id))
    assert as_utc(vip.expires_at) <= as_utc(offer.sales_end)
