"""Stripe payments by card (through Stripe Checkout) and by Multibanco, and Stripe failing,
with Stripe played by a local HTTP server."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from app.catalog.models import Offer
from app.extensions import db
from app.orders.holds import seats_left
from app.orders.models import OrderStatusChange
from app.payments.reconcile import reconcile
from app.timeutil import utcnow
from tests.integration.helpers import (
    NBSP,
    check_out_like_a_browser,
    csrf_token,
    fresh,
    only_order,
    order_page,
    send_webhook,
)

# -- card through Stripe Checkout ----------------------------------------------------


def test_card_goes_to_stripe_checkout_with_what_the_order_says(stripe_client, stripe):
    response = check_out_like_a_browser(stripe_client, "card")
    assert response.status_code == 303
    order = only_order()
    [call] = stripe.calls("POST", "/v1/checkout/sessions")
    session = stripe.objects[order.provider_reference]
    assert response.headers["Location"] == session["url"]
    sent = call.params
    assert sent["mode"] == "payment"
    assert sent["payment_method_types"] == ["card"]
    assert sent["line_items"][0]["price_data"]["unit_amount"] == "14700"
    assert sent["line_items"][0]["price_data"]["currency"] == "eur"
    assert sent["locale"] == "pt"
    assert sent["customer_email"] == "joao@example.pt"
    assert sent["client_reference_id"] == str(order.id)
    assert sent["metadata"] == {"order_id": str(order.id), "attempt": "1"}
    assert sent["payment_intent_data"]["metadata"]["order_id"] == str(order.id)
    order_url = f"http://shop.test/order/{order.public_token}"
    assert sent["success_url"] == f"{order_url}?checkout=done"
    assert sent["cancel_url"] == f"{order_url}?checkout=cancelled"
    # Stripe needs at least 30 minutes; the hold itself closes the session earlier.
    assert int(sent["expires_at"]) >= time.time() + 30 * 60
    assert call.idempotency_key == f"{order.id}:1:checkout_session"
    assert "customers" not in " ".join(r.path for r in stripe.requests)


def test_card_in_english_with_a_nif_sends_the_tax_id_on_the_stripe_customer(stripe_client, stripe):
    response = check_out_like_a_browser(stripe_client, "card", lang="/en", nif="123 456 789")
    assert response.status_code == 303
    order = only_order()
    [customer_call] = stripe.calls("POST", "/v1/customers")
    assert customer_call.params["tax_id_data"] == [{"type": "eu_vat", "value": "PT123456789"}]
    assert customer_call.params["email"] == "joao@example.pt"
    [session_call] = stripe.calls("POST", "/v1/checkout/sessions")
    assert session_call.params["locale"] == "en"
    assert session_call.params["customer"].startswith("cus_")
    assert "customer_email" not in session_call.params
    assert session_call.params["success_url"].startswith("http://shop.test/en/order/")
    assert order.billing_nif == "123456789"


def test_coming_back_from_checkout_never_marks_paid_only_the_webhook_does(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "card")
    order = only_order()
    stripe.complete_session(order.provider_reference)
    html = order_page(stripe_client, order, "?checkout=done")
    assert "A confirmar o seu pagamento" in html
    # The page follows the order until the webhook says paid, JS or not.
    assert f'hx-get="/order/{order.public_token}?checkout=done&amp;seen=' in html
    assert 'http-equiv="refresh"' in html
    assert fresh(order).status == "awaiting_payment"
    # Left Stripe without paying: nothing to follow, a way back to pay instead.
    html = order_page(stripe_client, order, "?checkout=cancelled")
    assert "hx-trigger" not in html.split('id="order-status"')[1].split(">")[0]
    assert 'http-equiv="refresh"' not in html
    assert stripe.objects[order.provider_reference]["url"] in html

    session = stripe.objects[order.provider_reference]
    answer = send_webhook(stripe_client, stripe.event("checkout.session.completed", session))
    assert answer.status_code == 200
    assert answer.get_json()["result"] == "paid"
    order = fresh(order)
    assert order.status == "paid"
    assert order.payment_intent_id == session["payment_intent"]
    assert order.customer.journey_stage == "purchase"


def test_a_late_webhook_is_covered_by_reading_the_session_at_stripe(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "card")
    order = only_order()
    stripe.complete_session(order.provider_reference)
    # The order page never asks Stripe (a GET only reads), and reconciliation gives a
    # payment just started a few seconds for its webhook before reading it.
    order_page(stripe_client, order, "?checkout=done")
    assert reconcile().checked == 0
    assert stripe.calls("GET", r"/v1/checkout/sessions/.*") == []
    order.provider_checked_at = utcnow() - timedelta(seconds=30)
    db.session.commit()

    assert reconcile().settled == 1
    assert len(stripe.calls("GET", r"/v1/checkout/sessions/.*")) == 1
    assert fresh(order).status == "paid"
    html = order_page(stripe_client, order, "?checkout=done")
    assert "Pagamento confirmado" in html
    # The webhook arriving afterwards changes nothing.
    session = stripe.objects[order.provider_reference]
    answer = send_webhook(stripe_client, stripe.event("checkout.session.completed", session))
    assert answer.get_json()["result"] == "already paid"
    paid_moves = db.session.scalar(
        select(func.count(OrderStatusChange.id)).where(
            OrderStatusChange.order_id == order.id, OrderStatusChange.to_status == "paid"
        )
    )
    assert paid_moves == 1


def test_a_failed_card_try_inside_checkout_keeps_the_order_waiting(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "card")
    order = only_order()
    declined = {
        "id": "pi_declined_try",
        "object": "payment_intent",
        "status": "requires_payment_method",
        "amount": 14700,
        "currency": "eur",
        "metadata": {"order_id": str(order.id), "attempt": "1"},
        "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds"},
    }
    answer = send_webhook(stripe_client, stripe.event("payment_intent.payment_failed", declined))
    assert answer.status_code == 200
    assert fresh(order).status == "awaiting_payment"


def test_an_expired_checkout_session_expires_the_order_and_frees_the_seat(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "card")
    order = only_order()
    offer = db.session.get(Offer, order.offer_id)
    before = seats_left(offer)
    session = stripe.objects[order.provider_reference]
    session["status"] = "expired"
    send_webhook(stripe_client, stripe.event("checkout.session.expired", session))
    assert fresh(order).status == "expired"
    assert seats_left(offer) == before + 1


def test_the_seat_hold_ending_closes_the_checkout_session_at_stripe(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "card")
    order = only_order()
    order.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    # The page shows the hold ended at once, without closing anything itself.
    html = order_page(stripe_client, order)
    assert "O prazo para pagar terminou" in html
    assert stripe.calls("POST", r"/v1/checkout/sessions/cs_.*/expire") == []
    assert reconcile().expired == 1
    assert len(stripe.calls("POST", r"/v1/checkout/sessions/cs_.*/expire")) == 1
    assert stripe.objects[order.provider_reference]["status"] == "expired"
    assert fresh(order).release_pending is False


# -- Multibanco --------------------------------------------------------------------------


def test_multibanco_shows_entity_reference_amount_and_expiry(stripe_client, stripe):
    response = check_out_like_a_browser(stripe_client, "multibanco")
    assert response.status_code == 303
    order = only_order()
    [call] = stripe.calls("POST", "/v1/payment_intents")
    assert call.params["payment_method_types"] == ["multibanco"]
    assert call.params["payment_method_data"]["billing_details"]["email"] == "joao@example.pt"
    details = stripe.objects[order.provider_reference]["next_action"]["multibanco_display_details"]
    # The seat is held while the voucher can be paid, but at most 48 hours.
    held_until = int(order.expires_at.timestamp())
    assert held_until == min(details["expires_at"], held_until)
    assert held_until <= int((utcnow() + timedelta(hours=48)).timestamp())
    html = order_page(stripe_client, order)
    assert "11249" in html
    ref = details["reference"]
    assert f"{ref[:3]} {ref[3:6]} {ref[6:]}" in html
    assert f"147,00{NBSP}€" in html
    assert details["hosted_voucher_url"] in html
    assert "every 30s" in html
    assert 'http-equiv="refresh"' not in html

    intent = stripe.succeed_intent(order.provider_reference)
    send_webhook(
        stripe_client, stripe.event("payment_intent.processing", {**intent, "status": "processing"})
    )
    assert fresh(order).status == "awaiting_payment"
    send_webhook(stripe_client, stripe.event("payment_intent.succeeded", intent))
    assert fresh(order).status == "paid"


def test_an_expired_multibanco_voucher_expires_the_order(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "multibanco")
    order = only_order()
    intent = stripe.objects[order.provider_reference]
    intent["status"] = "canceled"
    send_webhook(stripe_client, stripe.event("payment_intent.canceled", intent))
    assert fresh(order).status == "expired"


# -- Stripe failing ------------------------------------------------------------------------


def test_a_stripe_500_then_success_makes_one_payment_intent(stripe_client, stripe):
    stripe.fail_next("POST", "/v1/payment_intents", status=500, times=1)
    response = check_out_like_a_browser(stripe_client, "mb_way")
    assert response.status_code == 303
    order = only_order()
    calls = stripe.calls("POST", "/v1/payment_intents")
    assert len(calls) == 2
    assert (
        calls[0].idempotency_key
        == calls[1].idempotency_key
        == f"{order.id}:1:payment_intent_mb_way"
    )
    assert len(stripe.of_type("pi_")) == 1
    assert fresh(order).status == "awaiting_payment"


def test_stripe_down_shows_a_clear_message_and_leaves_the_order_retryable(stripe_client, stripe):
    stripe.fail_next("POST", "/v1/checkout/sessions", status=500, times=3)
    response = check_out_like_a_browser(stripe_client, "card")
    order = only_order()
    assert response.status_code == 303
    assert response.headers["Location"] == f"/order/{order.public_token}"
    order = fresh(order)
    assert order.status == "failed"
    assert order.failure_reason == "provider_unavailable"
    html = order_page(stripe_client, order)
    assert "Não conseguimos contactar o serviço de pagamento" in html
    page = stripe_client.get(f"/order/{order.public_token}").get_data(as_text=True)
    retry = stripe_client.post(
        f"/order/{order.public_token}/retry",
        data={"payment_method": "card", "csrf_token": csrf_token(page)},
    )
    assert retry.status_code == 303
    assert retry.headers["Location"].startswith(stripe.base_url)
    assert fresh(order).status == "awaiting_payment"
