"""Stripe payments end to end through the shop, with Stripe played by a local HTTP server."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.catalog.models import Offer
from app.extensions import db
from app.orders.holds import seats_left
from app.orders.models import Order, OrderStatusChange
from app.payments.models import WebhookEvent
from app.payments.reconcile import reconcile
from app.timeutil import utcnow
from tests.integration.helpers import (
    NBSP,
    check_out_like_a_browser,
    csrf_token,
    only_order,
    send_webhook,
)
from tests.stripe_double import sign


def fresh(order: Order) -> Order:
    db.session.rollback()
    return db.session.get(Order, order.id)


def order_page(client, order: Order, query: str = "") -> str:
    return client.get(f"/order/{order.public_token}{query}").get_data(as_text=True)


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
    assert f'hx-get="/order/{order.public_token}?checkout=done"' in html
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


# -- MB WAY ----------------------------------------------------------------------------


def test_mbway_creates_and_confirms_a_payment_intent_on_the_server(stripe_client, stripe):
    response = check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    assert response.status_code == 303
    assert response.headers["Location"] == f"/order/{order.public_token}"
    [call] = stripe.calls("POST", "/v1/payment_intents")
    sent = call.params
    assert sent["amount"] == "14700"
    assert sent["currency"] == "eur"
    assert sent["payment_method_types"] == ["mb_way"]
    assert sent["payment_method_data"]["type"] == "mb_way"
    assert sent["payment_method_data"]["billing_details"]["phone"] == "+351912345678"
    assert sent["confirm"] == "true"
    assert sent["metadata"] == {"order_id": str(order.id), "attempt": "1"}
    assert call.idempotency_key == f"{order.id}:1:payment_intent_mb_way"
    assert order.provider_reference == order.payment_intent_id
    html = order_page(stripe_client, order)
    assert "Aprove o pagamento na app MB WAY" in html
    assert 'hx-trigger="every 2s"' in html
    assert 'http-equiv="refresh"' in html


def test_mbway_approved_by_webhook_is_paid(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    intent = stripe.succeed_intent(order.provider_reference)
    answer = send_webhook(stripe_client, stripe.event("payment_intent.succeeded", intent))
    assert answer.get_json()["result"] == "paid"
    html = order_page(stripe_client, order)
    assert fresh(order).status == "paid"
    assert "Pagamento confirmado" in html
    assert "every 2s" not in html


def test_mbway_rejected_offers_to_try_again_or_pay_by_card(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    intent = stripe.fail_intent(order.provider_reference)
    send_webhook(stripe_client, stripe.event("payment_intent.payment_failed", intent))
    order = fresh(order)
    assert order.status == "failed"
    html = order_page(stripe_client, order)
    assert 'value="card"' in html and 'value="mb_way"' in html
    assert "/retry" in html

    page = stripe_client.get(f"/order/{order.public_token}")
    retry = stripe_client.post(
        f"/order/{order.public_token}/retry",
        data={"payment_method": "card", "csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert retry.status_code == 303
    order = fresh(order)
    assert order.status == "awaiting_payment"
    assert order.attempt == 2
    assert order.provider_reference.startswith("cs_")
    [session_call] = stripe.calls("POST", "/v1/checkout/sessions")
    assert session_call.idempotency_key == f"{order.id}:2:checkout_session"


def test_mbway_number_refused_at_once_fails_with_a_clear_message(stripe_client, stripe):
    stripe.refused_phones.add("+351912345678")
    response = check_out_like_a_browser(stripe_client, "mb_way")
    assert response.status_code == 303
    order = fresh(only_order())
    assert order.status == "failed"
    assert order.failure_reason == "payment_method_provider_decline"


def test_mbway_unapproved_after_four_minutes_is_cancelled_at_stripe(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    assert order.expires_at <= utcnow() + timedelta(seconds=241)
    order.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    html = order_page(stripe_client, order)
    reconcile()
    [cancel] = stripe.calls("POST", r"/v1/payment_intents/pi_.*/cancel")
    assert cancel.params["cancellation_reason"] == "abandoned"
    assert stripe.objects[order.provider_reference]["status"] == "canceled"
    order = fresh(order)
    assert order.status == "expired"
    assert order.release_pending is False
    assert 'value="card"' in html


def test_a_cancellation_stripe_did_not_take_is_retried_by_the_scheduled_command(
    stripe_app, stripe_client, stripe
):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    order.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    # Each cancellation is one request and at most one retry.
    stripe.fail_next("POST", r"/v1/payment_intents/.*/cancel", status=503, times=2)
    reconcile()
    assert fresh(order).release_pending is True
    # Until it is closed, a new attempt is refused rather than risk two payments (the
    # retry tries to close it once more, with a retry; the page itself never does).
    stripe.fail_next("POST", r"/v1/payment_intents/.*/cancel", status=503, times=2)
    page = stripe_client.get(f"/order/{order.public_token}").get_data(as_text=True)
    retry = stripe_client.post(
        f"/order/{order.public_token}/retry",
        data={"payment_method": "card", "csrf_token": csrf_token(page)},
    )
    assert "retry_error=previous_payment_open" in retry.headers["Location"]
    assert fresh(order).attempt == 1

    assert len(stripe.calls("POST", r"/v1/payment_intents/.*/cancel")) == 4
    result = CliRunner().invoke(stripe_app.cli, ["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "1 payments closed" in result.output
    assert stripe.objects[order.provider_reference]["status"] == "canceled"
    assert fresh(order).release_pending is False


def test_a_payment_that_succeeded_just_before_the_cancel_is_kept_as_paid(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    stripe.succeed_intent(order.provider_reference)
    order.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    reconcile()
    assert fresh(order).status == "paid"


def test_the_buyer_can_stop_waiting_and_pay_another_way(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    page = order_page(stripe_client, order)
    answer = stripe_client.post(
        f"/order/{order.public_token}/change", data={"csrf_token": csrf_token(page)}
    )
    assert answer.status_code == 303
    assert stripe.objects[order.provider_reference]["status"] == "canceled"
    order = fresh(order)
    assert order.status == "failed"
    assert order.failure_reason == "changed_method"


# -- Multibanco --------------------------------------------------------------------------


def test_multibanco_shows_entity_reference_amount_and_expiry(stripe_client, stripe):
    response = check_out_like_a_browser(stripe_client, "multibanco")
    assert response.status_code == 303
    order = only_order()
    [call] = stripe.calls("POST", "/v1/payment_intents")
    assert call.params["payment_method_types"] == ["multibanco"]
    assert call.params["payment_method_data"]["billing_details"]["email"] == "joao@example.pt"
    details = stripe.objects[order.provider_reference]["next_action"]["multibanco_display_details"]
    # The seat is held as long as the voucher can be paid.
    assert int(order.expires_at.timestamp()) == details["expires_at"]
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


# -- webhooks: authenticity, duplicates, order ---------------------------------------------


def test_a_duplicate_delivery_changes_nothing(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    event = stripe.event(
        "payment_intent.succeeded", stripe.succeed_intent(order.provider_reference)
    )
    assert send_webhook(stripe_client, event).get_json()["result"] == "paid"
    again = send_webhook(stripe_client, event)
    assert again.status_code == 200
    assert again.get_json()["result"] == "duplicate"
    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 1
    moves = db.session.scalars(
        select(OrderStatusChange.to_status).where(OrderStatusChange.order_id == order.id)
    ).all()
    assert moves == ["awaiting_payment", "paid"]


def test_reordered_events_end_in_the_right_state(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    pi = order.provider_reference
    succeeded = stripe.event("payment_intent.succeeded", stripe.succeed_intent(pi))
    processing = stripe.event(
        "payment_intent.processing", {**stripe.objects[pi], "status": "processing"}
    )
    failed = stripe.event(
        "payment_intent.payment_failed",
        {
            **stripe.objects[pi],
            "status": "requires_payment_method",
            "last_payment_error": {"code": "x"},
        },
    )
    for event in (succeeded, processing, failed):
        assert send_webhook(stripe_client, event).status_code == 200
    assert fresh(order).status == "paid"


@pytest.mark.parametrize(
    "tamper",
    ["wrong_secret", "stale_timestamp", "changed_body", "no_header"],
)
def test_a_webhook_that_is_not_from_stripe_is_refused(stripe_client, stripe, tamper):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    event = stripe.event(
        "payment_intent.succeeded", stripe.succeed_intent(order.provider_reference)
    )
    payload = json.dumps(event).encode()
    headers = {"Stripe-Signature": sign(payload)}
    if tamper == "wrong_secret":
        headers = {"Stripe-Signature": sign(payload, "whsec_forged")}
    elif tamper == "stale_timestamp":
        headers = {"Stripe-Signature": sign(payload, timestamp=int(time.time()) - 301)}
    elif tamper == "changed_body":
        payload = payload.replace(b'"amount": 14700', b'"amount": 100')
    else:
        headers = {}
    answer = stripe_client.post(
        "/webhooks/stripe", data=payload, headers=headers, content_type="application/json"
    )
    assert answer.status_code == 400
    assert fresh(order).status == "awaiting_payment"
    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 0


def test_a_timestamp_within_stripes_tolerance_is_accepted(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    event = stripe.event(
        "payment_intent.succeeded", stripe.succeed_intent(order.provider_reference)
    )
    answer = send_webhook(stripe_client, event, timestamp=int(time.time()) - 240)
    assert answer.status_code == 200
    assert fresh(order).status == "paid"


def test_an_amount_that_does_not_match_flags_the_order_instead_of_paying_it(
    stripe_app, stripe_client, stripe
):
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    intent = stripe.succeed_intent(order.provider_reference, amount=100)
    answer = send_webhook(stripe_client, stripe.event("payment_intent.succeeded", intent))
    assert answer.get_json()["result"] == "flagged: amount mismatch"
    order = fresh(order)
    assert order.status == "awaiting_payment"
    assert order.review_reason == "amount_mismatch"
    listed = CliRunner().invoke(stripe_app.cli, ["orders", "review"])
    assert order.id.hex[:8] in listed.output and "amount_mismatch" in listed.output


def test_events_the_shop_does_not_handle_get_200(stripe_client, stripe):
    answer = send_webhook(stripe_client, stripe.event("customer.created", {"id": "cus_1"}))
    assert answer.status_code == 200
    assert answer.get_json()["result"] == "not handled"


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


# -- refunds, disputes, receipts ------------------------------------------------------------


def _paid_mbway_order(stripe_client, stripe) -> Order:
    check_out_like_a_browser(stripe_client, "mb_way")
    order = only_order()
    send_webhook(
        stripe_client,
        stripe.event("payment_intent.succeeded", stripe.succeed_intent(order.provider_reference)),
    )
    order = fresh(order)
    assert order.status == "paid"
    return order


def test_a_partial_refund_keeps_the_seat_and_a_full_refund_frees_it(stripe_client, stripe):
    order = _paid_mbway_order(stripe_client, stripe)
    offer = db.session.get(Offer, order.offer_id)
    seats_when_paid = seats_left(offer)
    charge = stripe.charge_of(order.payment_intent_id)

    send_webhook(
        stripe_client, stripe.event("charge.refunded", stripe.refund_charge(charge["id"], 4700))
    )
    order = fresh(order)
    assert order.status == "paid"
    assert order.refunded_cents == 4700
    assert seats_left(offer) == seats_when_paid
    assert f"47,00{NBSP}€" in order_page(stripe_client, order)

    send_webhook(
        stripe_client, stripe.event("charge.refunded", stripe.refund_charge(charge["id"], 10000))
    )
    order = fresh(order)
    assert order.status == "refunded"
    assert order.refunded_cents == 14700
    assert seats_left(offer) == seats_when_paid + 1


def test_the_refund_command_asks_stripe_once_per_refund(stripe_app, stripe_client, stripe):
    order = _paid_mbway_order(stripe_client, stripe)
    runner = CliRunner()
    result = runner.invoke(
        stripe_app.cli, ["payments", "refund", str(order.id), "--amount", "47,00"]
    )
    assert result.exit_code == 0, result.output
    [call] = stripe.calls("POST", "/v1/refunds")
    assert call.params["payment_intent"] == order.payment_intent_id
    assert call.params["amount"] == "4700"
    assert call.idempotency_key
    # Stripe's refund webhook is what changes the order.
    assert fresh(order).refunded_cents == 0

    result = runner.invoke(stripe_app.cli, ["payments", "refund", order.id.hex[:8]])
    assert result.exit_code == 0, result.output
    full = stripe.calls("POST", "/v1/refunds")[-1]
    assert "amount" not in full.params

    refused = runner.invoke(
        stripe_app.cli, ["payments", "refund", str(order.id), "--amount", "abc"]
    )
    assert refused.exit_code != 0


def test_a_dispute_flags_the_order_for_review(stripe_client, stripe):
    order = _paid_mbway_order(stripe_client, stripe)
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 14700,
        "charge": stripe.charge_of(order.payment_intent_id)["id"],
        "payment_intent": order.payment_intent_id,
        "metadata": {},
    }
    answer = send_webhook(stripe_client, stripe.event("charge.dispute.created", dispute))
    assert answer.get_json()["result"] == "flagged: dispute"
    assert fresh(order).review_reason == "dispute"


def test_a_paid_order_links_to_stripes_hosted_receipt(stripe_client, stripe):
    order = _paid_mbway_order(stripe_client, stripe)
    html = order_page(stripe_client, order)
    assert f"/order/{order.public_token}/receipt" in html
    answer = stripe_client.get(f"/order/{order.public_token}/receipt")
    assert answer.status_code == 303
    charge = stripe.charge_of(order.payment_intent_id)
    assert answer.headers["Location"] == charge["receipt_url"]
    [read] = stripe.calls("GET", r"/v1/payment_intents/pi_.*")
    assert read.flat.get("expand[0]") == "latest_charge"
    # A GET only reads: what it read is not stored, and the receipt Stripe's
    # charge webhook notes is used from then on without asking again.
    assert fresh(order).receipt_url is None
    send_webhook(stripe_client, stripe.event("charge.succeeded", charge))
    stripe_client.get(f"/order/{order.public_token}/receipt")
    assert len(stripe.calls("GET", r"/v1/payment_intents/pi_.*")) == 1


def test_the_webhook_needs_no_csrf_token_and_the_checkout_allows_stripe_as_form_target(
    stripe_client, stripe
):
    page = stripe_client.get("/checkout/bilhete-geral")
    assert (
        "form-action 'self' https://checkout.stripe.com" in page.headers["Content-Security-Policy"]
    )
    answer = send_webhook(stripe_client, stripe.event("customer.created", {"id": "cus_2"}))
    assert answer.status_code == 200


def test_the_webhook_is_exempt_from_rate_limits(make_app, stripe_app_settings, stripe_db, stripe):
    limits = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_DEFAULT": "2 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    with make_app(**stripe_app_settings, **limits) as limited:
        client = limited.test_client()
        answers = [
            send_webhook(client, stripe.event("customer.created", {"id": f"cus_{n}"})).status_code
            for n in range(5)
        ]
        assert answers == [200] * 5
        # The same app does limit its pages, so the exemption is what let them through.
        pages = [client.get("/robots.txt").status_code for _ in range(3)]
        assert pages[-1] == 429
