"""Stripe's webhook: only Stripe's signed events count, each once, in any order; and what
it reports after a payment (refunds, disputes, receipts). Stripe is played by a local
HTTP server."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.catalog.models import Offer
from app.extensions import db
from app.orders.holds import seats_left
from app.orders.models import Order, OrderStatusChange
from app.payments.models import WebhookEvent
from tests.integration.helpers import (
    NBSP,
    check_out_like_a_browser,
    fresh,
    only_order,
    order_page,
    send_webhook,
)
from tests.stripe_double import sign

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
