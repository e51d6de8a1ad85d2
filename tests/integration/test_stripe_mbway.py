"""MB WAY through Stripe: asked for on the server, approved, rejected, left unanswered and
cancelled, with Stripe played by a local HTTP server."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from app.extensions import db
from app.payments.reconcile import reconcile
from app.timeutil import utcnow
from tests.integration.helpers import (
    check_out_like_a_browser,
    csrf_token,
    fresh,
    only_order,
    order_page,
    send_webhook,
)


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
