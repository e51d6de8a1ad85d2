import html
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.holds import seats_left
from app.orders.models import Order
from app.orders.moves import commit_move
from app.orders.states import MoveRefused, OrderStatus
from app.payments.provider import Outcome, PaymentUpdate
from app.payments.settlement import apply_payment_update
from app.timeutil import utcnow
from tests.integration.helpers import check_out, only_order

HTMX = {"HX-Request": "true"}


def test_demo_card_page_has_one_pay_button(client, db):
    page = client.get(check_out(client))
    assert page.status_code == 200
    main = page.text.split('<main id="main"')[1]  # the cookie banner sits above it
    assert main.count("data-demo-pay") == 1
    assert main.count('type="submit"') == 1


def test_demo_card_pays_the_order(client, db):
    location = check_out(client)
    response = client.post(location, data={"cardholder_name": "João Conceição"})
    assert response.status_code == 303
    order = only_order()
    assert response.headers["Location"] == f"/order/{order.public_token}"
    assert order.status == "paid"
    assert order.paid_at is not None
    assert order.customer.journey_stage == "purchase"
    page = client.get(response.headers["Location"]).text
    assert 'data-order-status="paid"' in page
    assert "Pagamento confirmado" in page
    # A final state stops the polling, with and without JavaScript.
    assert "hx-trigger" not in page.split('id="order-status"')[1].split(">")[0]
    assert 'http-equiv="refresh"' not in page


def test_decline_trigger_fails_the_payment_and_offers_a_retry(client, db):
    location = check_out(client, name="Ana DECLINE")
    client.post(location, data={"cardholder_name": "Ana decline"})
    order = only_order()
    assert order.status == "failed"
    assert order.failure_reason == "card_declined"
    page = client.get(f"/order/{order.public_token}").text
    assert "O seu cartão foi recusado" in page
    assert 'value="mb_way"' in page
    retry = client.post(f"/order/{order.public_token}/retry", data={"payment_method": "card"})
    assert retry.status_code == 303
    assert "/demo/card/" in retry.headers["Location"]
    _db.session.refresh(order)
    assert order.status == "awaiting_payment"
    assert order.attempt == 2


def test_mb_way_waits_then_is_approved_on_the_demo_phone(client, db):
    location = check_out(client, payment_method="mb_way")
    order = only_order()
    assert location == f"/order/{order.public_token}"
    page = client.get(location).text
    assert 'data-order-status="awaiting_payment"' in page
    assert "Aprove o pagamento na app MB WAY" in page
    assert "+351 912 345 678" in page
    assert "data-countdown" in page
    assert "data-demo-phone" in page
    # Without JavaScript the page refreshes itself; with htmx it polls every 2 s.
    assert '<noscript><meta http-equiv="refresh"' in page
    assert 'hx-trigger="every 2s"' in page
    phone = client.get(f"/demo/mbway/{order.public_token}").text
    assert 'name="decision" value="approve"' in phone
    assert 'name="decision" value="reject"' in phone
    response = client.post(f"/demo/mbway/{order.public_token}", data={"decision": "approve"})
    assert response.status_code == 303
    assert response.headers["Location"] == location
    _db.session.refresh(order)
    assert order.status == "paid"


def test_mb_way_rejected(client, db):
    check_out(client, payment_method="mb_way")
    order = only_order()
    client.post(f"/demo/mbway/{order.public_token}", data={"decision": "reject"})
    _db.session.refresh(order)
    assert order.status == "failed"
    assert "O pagamento MB WAY foi recusado" in client.get(f"/order/{order.public_token}").text


def test_mb_way_expires_after_its_window(client, db):
    check_out(client, payment_method="mb_way")
    order = only_order()
    assert timedelta(minutes=3, seconds=55) < order.expires_at - utcnow() <= timedelta(minutes=4)
    order.expires_at = utcnow() - timedelta(seconds=1)
    _db.session.commit()
    page = client.get(f"/order/{order.public_token}").text
    assert 'data-order-status="expired"' in page
    # A late approval from the phone changes nothing.
    client.post(f"/demo/mbway/{order.public_token}", data={"decision": "approve"})
    _db.session.refresh(order)
    assert order.status == "expired"


def test_polling_gets_only_the_status_block(client, db):
    check_out(client, payment_method="mb_way")
    order = only_order()
    response = client.get(f"/order/{order.public_token}", headers=HTMX)
    assert response.text.lstrip().startswith('<div id="order-status"')
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]


def _waiting_poll(client) -> tuple[Order, str]:
    """An MB WAY order waiting for its payment, and the address its status block polls,
    as the browser reads it from the page."""
    check_out(client, payment_method="mb_way")
    order = only_order()
    page = client.get(f"/order/{order.public_token}").text
    block = page.split('id="order-status"')[1].split(">")[0]
    return order, html.unescape(re.search(r'hx-get="([^"]+)"', block)[1])


def _polled_status(client, poll: str) -> str:
    """The status the block shows when polled (htmx asking), which must answer with it."""
    answer = client.get(poll, headers=HTMX)
    assert answer.status_code == 200
    return re.search(r'data-order-status="([a-z_]+)"', answer.text)[1]


def test_a_poll_for_an_unchanged_order_is_answered_without_a_block(client, db):
    order, poll = _waiting_poll(client)
    assert "seen=" in poll
    unchanged = client.get(poll, headers={**HTMX, "Accept-Encoding": "gzip, br"})
    # 204: htmx keeps the block the buyer has (it never swaps a 204).
    assert unchanged.status_code == 204
    assert unchanged.data == b""
    # Nothing to compress: no encoding named, no ETag made of an empty body.
    assert "Content-Encoding" not in unchanged.headers and "ETag" not in unchanged.headers
    assert unchanged.headers["Cache-Control"].startswith("no-store")
    # Asked without htmx (a reload, a link), the address is the whole page.
    assert client.get(poll).status_code == 200

    client.post(f"/demo/mbway/{order.public_token}", data={"decision": "approve"})
    assert _polled_status(client, poll) == "paid"


def test_a_poll_after_the_hold_passed_shows_it_expired(client, db):
    order, poll = _waiting_poll(client)
    # Time passing changes no row: the block still learns that the hold has passed.
    _db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(expires_at=utcnow() - timedelta(seconds=1), updated_at=order.updated_at)
    )
    _db.session.commit()
    assert _polled_status(client, poll) == "expired"


def test_a_poll_with_a_stale_or_made_up_state_gets_the_block(client, db):
    order, _poll = _waiting_poll(client)
    for seen in ("", "awaiting_payment.0.1", "<script>"):
        poll = f"/order/{order.public_token}?seen={seen}"
        assert _polled_status(client, poll) == "awaiting_payment"
    assert client.get("/order/no-such-token?seen=x", headers=HTMX).status_code == 404


def test_the_redirect_back_never_marks_paid(client, db):
    location = check_out(client)
    order = only_order()
    client.get(location)
    client.get(f"/order/{order.public_token}")
    _db.session.refresh(order)
    assert order.status == "awaiting_payment"


def test_transition_table_is_enforced(client, db):
    check_out(client)
    order = only_order()
    commit_move(order.id, OrderStatus.PAID, "test")
    with pytest.raises(MoveRefused):
        commit_move(order.id, OrderStatus.FAILED, "late failure")
    _db.session.refresh(order)
    assert order.status == "paid"
    assert [h.to_status for h in order.history] == ["awaiting_payment", "paid"]


def test_payment_with_wrong_amount_is_not_marked_paid(client, db):
    check_out(client)
    order = only_order()
    apply_payment_update(
        PaymentUpdate(str(order.id), Outcome.SUCCEEDED, "x", amount_cents=100, currency="EUR")
    )
    _db.session.refresh(order)
    assert order.status == "awaiting_payment"


def test_demo_pages_refuse_the_wrong_method(client, db):
    check_out(client)
    order = only_order()
    assert client.get(f"/demo/mbway/{order.public_token}").status_code == 404


def test_demo_multibanco_shows_a_voucher_and_the_demo_atm_pays_it(client, db):
    location = check_out(client, payment_method="multibanco")
    order = only_order()
    assert location == f"/order/{order.public_token}"
    page = client.get(location).text
    assert "99999" in page
    ref = order.multibanco_reference
    assert len(ref) == 9 and f"{ref[:3]} {ref[3:6]} {ref[6:]}" in page
    # The voucher could be paid for three days; the seat is held two (MULTIBANCO_HOLD_HOURS).
    assert utcnow() + timedelta(hours=47) < order.expires_at <= utcnow() + timedelta(hours=48)
    assert f"/demo/multibanco/{order.public_token}" in page
    paid = client.post(f"/demo/multibanco/{order.public_token}")
    assert paid.status_code == 303
    _db.session.rollback()
    assert only_order().status == "paid"


def test_demo_refunds_are_recorded_at_once_and_a_full_one_frees_the_seat(app, client, db):
    client.post(check_out(client), data={"cardholder_name": "Ana"})
    order = only_order()
    assert order.status == "paid"
    offer = _db.session.get(Offer, order.offer_id)
    seats_when_paid = seats_left(offer)
    runner = CliRunner()
    result = runner.invoke(app.cli, ["payments", "refund", order.id.hex[:8], "--amount", "47"])
    assert result.exit_code == 0, result.output
    _db.session.rollback()
    order = only_order()
    assert (order.status, order.refunded_cents) == ("paid", 4700)
    too_much = runner.invoke(app.cli, ["payments", "refund", str(order.id), "--amount", "200"])
    assert too_much.exit_code != 0
    assert runner.invoke(app.cli, ["payments", "refund", str(order.id)]).exit_code == 0
    _db.session.rollback()
    order = only_order()
    assert (order.status, order.refunded_cents) == ("refunded", 14700)
    assert seats_left(offer) == seats_when_paid + 1
    again = runner.invoke(app.cli, ["payments", "refund", str(order.id)])
    assert again.exit_code != 0
