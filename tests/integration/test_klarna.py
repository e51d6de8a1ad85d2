"""Paying in 3 with Klarna: offered for amounts Klarna takes, played by the demo, sent to
Stripe's hosted Checkout as Klarna, recorded as three instalments, reported to the
dataLayer and GA4 as its own payment type; the Stripe customer is kept on the person."""

from __future__ import annotations

from sqlalchemy import select

from app.catalog.models import Offer
from app.orders.methods import KLARNA_LIMITS, fits
from tests.integration.helpers import (
    check_out,
    check_out_like_a_browser,
    checkout_data,
    fresh,
    only_order,
    send_webhook,
)


def test_klarna_fits_only_the_amounts_it_takes():
    low, high = KLARNA_LIMITS
    assert fits("klarna", low) and fits("klarna", high)
    assert not fits("klarna", low - 1) and not fits("klarna", high + 1)
    assert fits("card", 1)


def test_the_demo_plays_klarna_and_the_order_keeps_three_instalments(client, db):
    page = client.get("/checkout/bilhete-geral").get_data(as_text=True)
    assert 'value="klarna"' in page and "Pagar em 3x com Klarna" in page
    location = check_out(client, payment_method="klarna")
    assert location.startswith("/demo/card/")
    demo = client.get(location).get_data(as_text=True)
    assert "data-demo-klarna" in demo and "49,00" in demo
    paid = client.post(location, data={"cardholder_name": "Ana"})
    assert paid.status_code == 303
    order = fresh(only_order())
    assert (order.status, order.payment_method, order.installments) == ("paid", "klarna", 3)
    order_page = client.get(f"/order/{order.public_token}").get_data(as_text=True)
    assert "Klarna, em 3 prestações" in order_page
    assert '"payment_type": "klarna"' in order_page


def test_an_amount_klarna_does_not_take_does_not_offer_it(client, db):
    offer = db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    offer.price_cents = 2_000
    db.session.commit()
    page = client.get("/checkout/bilhete-geral").get_data(as_text=True)
    assert 'value="klarna"' not in page
    refused = client.post("/checkout/bilhete-geral", data=checkout_data(payment_method="klarna"))
    assert refused.status_code == 422


def test_stripe_gets_klarna_on_its_hosted_checkout_and_the_customer_is_kept(stripe_client, stripe):
    answer = check_out_like_a_browser(stripe_client, "klarna", nif="123 456 789")
    assert answer.status_code == 303
    order = only_order()
    [session] = stripe.calls("POST", "/v1/checkout/sessions")
    assert session.params["payment_method_types"] == ["klarna"]
    assert answer.headers["Location"] == stripe.objects[order.provider_reference]["url"]
    [made] = stripe.calls("POST", "/v1/customers")
    assert made.params["tax_id_data"] == [{"type": "eu_vat", "value": "PT123456789"}]
    customer = fresh(order).customer
    assert customer.stripe_customer_id == session.params["customer"]
    assert customer.stripe_customer_id.startswith("cus_")
    assert order.installments == 3


def test_klarnas_payment_confirmed_by_stripe_pays_the_order(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "klarna")
    order = only_order()
    session = stripe.complete_session(order.provider_reference)
    event = stripe.event("checkout.session.completed", session)
    assert send_webhook(stripe_client, event).status_code == 200
    order = fresh(order)
    assert (order.status, order.payment_method, order.installments) == ("paid", "klarna", 3)
