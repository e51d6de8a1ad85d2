"""MB WAY and Multibanco through ifthenpay, card through Stripe, in one shop.

Both gateways are played by local HTTP servers (tests/ifthenpay_double.py and
tests/stripe_double.py). The callbacks are sent as ifthenpay sends them: a GET on the
shop's callback URL with the payment in the query string.
"""

from __future__ import annotations

import re
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.orders.models import Order
from app.orders.notifications import compose_refund_notice
from app.outbox.models import OutboxMessage
from app.payments.ifthenpay.provider import gateway_order_id
from app.payments.models import WebhookEvent
from app.payments.reconcile import reconcile
from app.payments.refunds import refund_order
from app.timeutil import as_utc, utcnow
from app.web.webhook_failures import WebhookFailure
from tests.ifthenpay_double import ANTI_PHISHING_KEY, BACKOFFICE_KEY, MB_KEY, MBWAY_KEY
from tests.integration.helpers import (
    check_out_like_a_browser,
    csrf_token,
    fresh,
    only_order,
    order_page,
    send_webhook,
)
from tests.integration.staff_helpers import sign_in


def callback(client, query: str):
    return client.get(f"/webhooks/ifthenpay?{query}")


def _read_now(order: Order) -> None:
    """Make the waiting payment due for a read at the gateway on the next pass."""
    order.provider_checked_at = utcnow() - timedelta(minutes=5)
    db.session.commit()


def _paid_emails() -> int:
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.channel == "email", OutboxMessage.kind == "order_confirmation"
        )
    )


# -- which provider serves which method ----------------------------------------------------


def test_the_checkout_offers_what_the_providers_serve(ifthenpay_client):
    html = ifthenpay_client.get("/checkout/bilhete-geral").get_data(as_text=True)
    assert 'value="card"' in html
    assert 'value="mb_way"' in html
    assert 'value="multibanco"' in html
    # PAYMENT_METHODS leaves Klarna out: not offered, and refused if sent.
    assert 'value="klarna"' not in html
    answer = check_out_like_a_browser(ifthenpay_client, "klarna")
    assert answer.status_code == 422
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_card_goes_to_stripe_in_the_same_shop(ifthenpay_client, ifthenpay, stripe):
    answer = check_out_like_a_browser(ifthenpay_client, "card")
    order = only_order()
    assert order.provider == "stripe"
    [session] = stripe.calls("POST", "/v1/checkout/sessions")
    assert session.params["payment_method_types"] == ["card"]
    assert answer.headers["Location"] == stripe.objects[order.provider_reference]["url"]
    assert ifthenpay.seen == []


# -- MB WAY --------------------------------------------------------------------------------


def test_mbway_request_is_sent_field_by_field(ifthenpay_client, ifthenpay):
    answer = check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/order/{order.public_token}"
    [call] = ifthenpay.calls("POST", "/spg/payment/mbway")
    sent = call.json
    assert sent["mbWayKey"] == MBWAY_KEY
    assert sent["orderId"] == gateway_order_id(order) == order.id.hex[:12] + "001"
    assert sent["amount"] == f"{order.amount_cents // 100}.{order.amount_cents % 100:02d}"
    assert sent["mobileNumber"] == "351#912345678"
    assert sent["email"] == "joao@example.pt"
    assert len(sent["description"]) <= 100
    assert order.provider == "ifthenpay"
    assert order.provider_reference == gateway_order_id(order)
    assert order.payment_intent_id == ifthenpay.only("mbway").request_id
    # The seat is held as long as the request lives (4 minutes).
    assert as_utc(order.expires_at) <= utcnow() + timedelta(seconds=241)
    html = order_page(ifthenpay_client, order)
    assert "Aprove o pagamento na app MB WAY" in html
    assert 'hx-trigger="every 2s"' in html
    # No demo phone for a real gateway.
    assert "/demo/" not in html


def test_mbway_approved_is_paid_by_the_callback_once(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    payment = ifthenpay.approve(ifthenpay.only("mbway").request_id)
    first = callback(ifthenpay_client, ifthenpay.callback_query(payment))
    assert first.status_code == 200
    assert first.get_data(as_text=True).strip() == "ok: paid"
    again = callback(ifthenpay_client, ifthenpay.callback_query(payment))
    assert again.status_code == 200
    assert again.get_data(as_text=True).strip() == "ok: duplicate"
    order = fresh(order)
    assert order.status == "paid"
    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 1
    assert _paid_emails() == 1
    assert "Pagamento confirmado" in order_page(ifthenpay_client, order)


def test_a_callback_without_our_key_changes_nothing(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    payment = ifthenpay.approve(ifthenpay.only("mbway").request_id)
    for key in ("", "wrong-key", ANTI_PHISHING_KEY[:-1]):
        answer = callback(ifthenpay_client, ifthenpay.callback_query(payment, key=key))
        assert answer.status_code == 403
    without = callback(ifthenpay_client, ifthenpay.callback_query(payment).split("&", 1)[1])
    assert without.status_code == 403
    assert fresh(order).status == "awaiting_payment"
    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 0
    assert db.session.scalar(select(func.count(WebhookFailure.id))) == 4


def test_a_callback_with_our_key_but_not_our_order_is_refused_or_ignored(
    ifthenpay_client, ifthenpay
):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    payment = ifthenpay.approve(ifthenpay.only("mbway").request_id)
    bad = ifthenpay.callback_query(payment).replace(payment.order_id, "12345")
    assert callback(ifthenpay_client, bad).status_code == 400
    nonsense = ifthenpay.callback_query(payment, amount="lots")
    assert callback(ifthenpay_client, nonsense).status_code == 400
    unknown = ifthenpay.callback_query(payment).replace(payment.order_id, "0" * 12 + "001")
    answer = callback(ifthenpay_client, unknown)
    assert answer.status_code == 200
    assert answer.get_data(as_text=True).strip() == "ok: no order"
    assert fresh(order).status == "awaiting_payment"


def test_a_callback_for_another_amount_is_flagged_not_paid(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    payment = ifthenpay.approve(ifthenpay.only("mbway").request_id)
    answer = callback(ifthenpay_client, ifthenpay.callback_query(payment, amount="1.00"))
    assert answer.get_data(as_text=True).strip() == "ok: flagged: amount mismatch"
    order = fresh(order)
    assert order.status == "awaiting_payment"
    assert order.review_reason == "amount_mismatch"


def test_mbway_rejected_in_the_app_is_read_by_reconciliation(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    ifthenpay.reject(order.payment_intent_id)
    _read_now(order)
    assert reconcile().checked == 1
    [read] = ifthenpay.calls("GET", "/spg/payment/mbway/status")
    assert read.args == {"mbWayKey": MBWAY_KEY, "requestId": order.payment_intent_id}
    order = fresh(order)
    assert order.status == "failed"
    html = order_page(ifthenpay_client, order)
    assert 'value="card"' in html and "/retry" in html


def test_mbway_left_unanswered_expires_and_a_late_callback_still_pays(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    ifthenpay.expire(order.payment_intent_id)
    order.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    reconcile()
    order = fresh(order)
    assert order.status == "expired"
    # Nothing to close at the gateway: it was read, not left pending forever.
    assert order.release_pending is False
    # Out of order: the gateway reports a payment after the shop gave up waiting. The
    # money is in, so the order is paid (and the seat was free, so nothing to review).
    payment = ifthenpay.approve(order.payment_intent_id)
    answer = callback(ifthenpay_client, ifthenpay.callback_query(payment))
    assert answer.get_data(as_text=True).strip() == "ok: paid"
    assert fresh(order).status == "paid"


def test_mbway_read_as_paid_by_reconciliation_when_the_callback_is_late(
    ifthenpay_client, ifthenpay
):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    payment = ifthenpay.approve(order.payment_intent_id)
    _read_now(order)
    reconcile()
    assert fresh(order).status == "paid"
    # The callback that follows is recorded and changes nothing.
    answer = callback(ifthenpay_client, ifthenpay.callback_query(payment))
    assert answer.get_data(as_text=True).strip() == "ok: already paid"
    assert _paid_emails() == 1


def test_mbway_number_refused_by_the_gateway_fails_at_once(ifthenpay_client, ifthenpay):
    ifthenpay.refused_phones.add("351#912345678")
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = fresh(only_order())
    assert order.status == "failed"
    assert order.failure_reason == "payment_refused"


def test_a_failing_or_hanging_gateway_fails_the_attempt_and_offers_a_retry(
    ifthenpay_client, ifthenpay
):
    ifthenpay.fail("POST", "/spg/payment/mbway", status=503)
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = fresh(only_order())
    assert order.status == "failed"
    assert order.failure_reason == "provider_unavailable"

    ifthenpay.hang("POST", "/spg/payment/mbway", seconds=2)
    page = order_page(ifthenpay_client, order)
    retry = ifthenpay_client.post(
        f"/order/{order.public_token}/retry",
        data={"payment_method": "mb_way", "csrf_token": csrf_token(page)},
    )
    assert retry.status_code == 303
    order = fresh(order)
    assert order.attempt == 2
    assert order.status == "failed"
    assert order.failure_reason == "provider_unavailable"


def test_a_late_callback_for_an_earlier_attempt_still_pays_the_order(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    first = ifthenpay.only("mbway")
    ifthenpay.reject(first.request_id)
    _read_now(order)
    reconcile()
    page = order_page(ifthenpay_client, fresh(order))
    ifthenpay_client.post(
        f"/order/{order.public_token}/retry",
        data={"payment_method": "multibanco", "csrf_token": csrf_token(page)},
    )
    order = fresh(order)
    assert order.attempt == 2 and order.status == "awaiting_payment"
    # The buyer had approved the first request after all (the gateway says so late).
    ifthenpay.approve(first.request_id)
    answer = callback(ifthenpay_client, ifthenpay.callback_query(first))
    assert answer.get_data(as_text=True).strip() == "ok: paid"
    order = fresh(order)
    assert order.status == "paid"
    # Refunds go to the request that took the money.
    assert order.payment_intent_id == first.request_id


# -- Multibanco ----------------------------------------------------------------------------


def test_multibanco_reference_is_asked_for_and_shown(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "multibanco")
    order = only_order()
    [call] = ifthenpay.calls("POST", "/multibanco/reference/init")
    sent = call.json
    assert sent["mbKey"] == MB_KEY
    assert sent["orderId"] == gateway_order_id(order)
    assert sent["amount"] == f"{order.amount_cents // 100}.{order.amount_cents % 100:02d}"
    assert sent["clientEmail"] == "joao@example.pt"
    # The reference ends before the seat's 48-hour hold does.
    assert sent["expiryDays"] in (0, 1)
    reference = ifthenpay.only("multibanco")
    assert order.multibanco_entity == reference.entity
    assert order.multibanco_reference == reference.reference
    assert order.payment_intent_id == reference.request_id
    assert as_utc(order.expires_at) <= utcnow() + timedelta(hours=48)
    html = order_page(ifthenpay_client, order)
    assert reference.entity in html
    assert f"{reference.reference[:3]} {reference.reference[3:6]} {reference.reference[6:]}" in html


def test_multibanco_paid_at_the_atm_is_paid_by_the_callback(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "multibanco")
    order = only_order()
    payment = ifthenpay.approve(ifthenpay.only("multibanco").request_id)
    query = ifthenpay.callback_query(payment)
    assert "entity=11249" in query and f"reference={payment.reference}" in query
    assert callback(ifthenpay_client, query).get_data(as_text=True).strip() == "ok: paid"
    assert fresh(order).status == "paid"


def test_multibanco_paid_is_read_from_the_payments_list_when_the_callback_is_late(
    ifthenpay_client, ifthenpay
):
    check_out_like_a_browser(ifthenpay_client, "multibanco")
    order = only_order()
    ifthenpay.approve(order.payment_intent_id)
    _read_now(order)
    reconcile()
    [read] = ifthenpay.calls("POST", "/v2/payments/read")
    assert read.json == {"boKey": BACKOFFICE_KEY, "requestId": order.payment_intent_id}
    assert fresh(order).status == "paid"


def test_multibanco_unpaid_expires_and_frees_the_seat(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "multibanco")
    order = only_order()
    order.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    reconcile()
    order = fresh(order)
    assert order.status == "expired"
    assert order.release_pending is False


# -- refunds -------------------------------------------------------------------------------


def test_an_mbway_payment_is_refunded_through_the_gateway(
    ifthenpay_app, ifthenpay_client, ifthenpay
):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    payment = ifthenpay.approve(order.payment_intent_id)
    callback(ifthenpay_client, ifthenpay.callback_query(payment))
    result = CliRunner().invoke(
        ifthenpay_app.cli, ["payments", "refund", str(order.id), "--amount", "10"]
    )
    assert result.exit_code == 0, result.output
    [call] = ifthenpay.calls("POST", "/v2/payments/refund")
    assert call.json == {
        "backofficekey": BACKOFFICE_KEY,
        "requestId": payment.request_id,
        "amount": "10.00",
    }
    order = fresh(order)
    assert order.refunded_cents == 1000 and order.status == "paid"
    refund_order(order)
    order = fresh(order)
    assert order.status == "refunded"
    assert payment.refunded == payment.amount


def test_a_multibanco_payment_is_refunded_by_transfer_not_by_the_gateway(
    ifthenpay_app, ifthenpay_client, ifthenpay
):
    check_out_like_a_browser(ifthenpay_client, "multibanco")
    order = only_order()
    payment = ifthenpay.approve(order.payment_intent_id)
    callback(ifthenpay_client, ifthenpay.callback_query(payment))
    result = CliRunner().invoke(ifthenpay_app.cli, ["payments", "refund", str(order.id)])
    assert result.exit_code != 0
    assert "bank transfer" in result.output
    assert ifthenpay.calls("POST", "/v2/payments/refund") == []
    assert fresh(order).status == "paid"


def test_the_team_records_a_multibanco_refund_sent_by_bank_transfer(
    ifthenpay_app, ifthenpay_client, ifthenpay
):
    check_out_like_a_browser(ifthenpay_client, "multibanco")
    order = only_order()
    payment = ifthenpay.approve(order.payment_intent_id)
    callback(ifthenpay_client, ifthenpay.callback_query(payment))
    ifthenpay_app.config["WTF_CSRF_ENABLED"] = False
    try:
        staff = sign_in(ifthenpay_client, "owner")
        detail = staff.get(f"/staff/orders/{order.id}").get_data(as_text=True)
        offered = set(re.findall(r'data-action="(\w+)"', detail))
        assert offered == {"refund_transfer", "resend", "buyer"}
        form = staff.get(f"/staff/orders/{order.id}/refund_transfer").get_data(as_text=True)
        assert "data-transfer-hint" in form
        # Which transfer sent it back is required; what was typed stays on the page.
        missing = staff.post(
            f"/staff/orders/{order.id}/refund_transfer", data={"amount": "20", "confirm": "y"}
        )
        assert missing.status_code == 422
        assert 'value="20"' in missing.get_data(as_text=True)
        done = staff.post(
            f"/staff/orders/{order.id}/refund_transfer",
            data={"amount": "", "transfer": "TRF 2026-12-01 #4471", "confirm": "y"},
        )
        assert done.status_code == 303
    finally:
        ifthenpay_app.config["WTF_CSRF_ENABLED"] = True
    order = fresh(order)
    assert order.status == "refunded"
    assert order.refunded_cents == order.amount_cents
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "order.refund_transfer")
    ).all()
    assert entry.after == {"asked_cents": order.amount_cents, "transfer": "TRF 2026-12-01 #4471"}
    assert ifthenpay.calls("POST", "/v2/payments/refund") == []
    [notice] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "refund_notice")
    ).all()
    assert notice.payload["by_transfer"] is True
    with ifthenpay_app.test_request_context():
        email = compose_refund_notice(notice)
    text = email.get_body(("plain",)).get_content()
    assert "por transferência bancária para a conta que nos indicou" in text
    assert "conta com que pagou" not in text


def test_the_callback_url_to_register_is_printed(ifthenpay_app, ifthenpay_client):
    result = CliRunner().invoke(ifthenpay_app.cli, ["payments", "callback-url"])
    assert result.exit_code == 0, result.output
    base = ifthenpay_app.config["BASE_URL"]
    assert f"{base}/webhooks/ifthenpay?key=[ANTI_PHISHING_KEY]&orderId=[ORDER_ID]" in result.output
    assert "[REQUEST_ID]" in result.output and "[ENTITY]" in result.output


def test_the_order_page_and_its_poll_never_call_the_gateway(ifthenpay_client, ifthenpay):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    asked = len(ifthenpay.seen)
    for _ in range(3):
        order_page(ifthenpay_client, order)
        ifthenpay_client.get(f"/order/{order.public_token}", headers={"HX-Request": "true"})
    # Reading the payment is the clock's job; a GET only shows what is stored.
    assert len(ifthenpay.seen) == asked


def test_paying_an_old_request_after_paying_another_way_is_flagged_not_lost(
    ifthenpay_client, ifthenpay, stripe
):
    check_out_like_a_browser(ifthenpay_client, "mb_way")
    order = only_order()
    first = ifthenpay.only("mbway")
    page = order_page(ifthenpay_client, order)
    ifthenpay_client.post(
        f"/order/{order.public_token}/change", data={"csrf_token": csrf_token(page)}
    )
    order = fresh(order)
    assert order.status == "failed"
    # The gateway cannot withdraw the request: the buyer is told not to pay it too.
    assert order.failure_reason == "changed_method_open"
    page = order_page(ifthenpay_client, order)
    assert "não o pague também" in page
    ifthenpay_client.post(
        f"/order/{order.public_token}/retry",
        data={"payment_method": "card", "csrf_token": csrf_token(page)},
    )
    order = fresh(order)
    completed = stripe.complete_session(order.provider_reference)
    send_webhook(ifthenpay_client, stripe.event("checkout.session.completed", completed))
    order = fresh(order)
    assert order.status == "paid"
    card_payment = order.payment_intent_id

    # She approves the old MB WAY request in her app after all: the money is in twice.
    payment = ifthenpay.approve(first.request_id)
    answer = callback(ifthenpay_client, ifthenpay.callback_query(payment))
    assert answer.get_data(as_text=True).strip() == "ok: flagged: paid twice"
    order = fresh(order)
    assert order.status == "paid"
    assert order.review_reason == "paid_twice"
    # The order keeps the payment that paid it; the extra one is for a person to refund.
    assert order.payment_intent_id == card_payment
    assert _paid_emails() == 1
