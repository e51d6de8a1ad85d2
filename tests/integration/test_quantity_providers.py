"""Two tickets through the real payment providers' doubles: what each is asked to charge
adds up to the order's amount, seats × unit price, and the paid answer settles it."""

from __future__ import annotations

from app.payments.ifthenpay.provider import gateway_order_id
from tests.integration.helpers import (
    check_out_like_a_browser,
    fresh,
    only_order,
    send_webhook,
)

# As a browser sends the rows: every input, the empty ones too.
TWO = {"quantity": "2", "attendees-0-name": "", "attendees-1-name": "Rita Gonçalves"}


def test_stripe_checkout_gets_two_seats_at_the_unit_price_and_pays_the_total(stripe_client, stripe):
    answer = check_out_like_a_browser(stripe_client, "card", **TWO)
    assert answer.status_code == 303
    order = only_order()
    assert (order.quantity, order.amount_cents) == (2, 29400)
    [call] = stripe.calls("POST", "/v1/checkout/sessions")
    [line] = [item for key, item in _line_items(call.params)]
    assert line["quantity"] == "2"
    assert line["price_data"]["unit_amount"] == "14700"
    assert line["price_data"]["product_data"]["name"] == "Café com Vendas — Bilhete Geral"
    assert "2 × Bilhete Geral" in call.params["payment_intent_data"]["description"]
    session = stripe.objects[order.provider_reference]
    assert session["amount_total"] == order.amount_cents == 29400
    completed = stripe.complete_session(order.provider_reference)
    result = send_webhook(stripe_client, stripe.event("checkout.session.completed", completed))
    assert result.get_json()["result"] == "paid"
    assert fresh(order).status == "paid"


def _line_items(params):
    items = params["line_items"]
    return list(items.items()) if isinstance(items, dict) else list(enumerate(items))


def test_stripe_multibanco_asks_for_the_total(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "multibanco", **TWO)
    order = only_order()
    intent = stripe.objects[order.provider_reference]
    assert int(intent["amount"]) == order.amount_cents == 29400
    paid = stripe.succeed_intent(order.provider_reference)
    result = send_webhook(stripe_client, stripe.event("payment_intent.succeeded", paid))
    assert result.get_json()["result"] == "paid"


def test_ifthenpay_mbway_asks_for_the_total_and_its_callback_pays_it(ifthenpay_client, ifthenpay):
    answer = check_out_like_a_browser(ifthenpay_client, "mb_way", **TWO)
    assert answer.status_code == 303
    order = only_order()
    [call] = ifthenpay.calls("POST", "/spg/payment/mbway")
    assert call.json["amount"] == "294.00"
    assert call.json["orderId"] == gateway_order_id(order)
    payment = ifthenpay.approve(ifthenpay.only("mbway").request_id)
    paid = ifthenpay_client.get(f"/webhooks/ifthenpay?{ifthenpay.callback_query(payment)}")
    assert paid.get_data(as_text=True).strip() == "ok: paid"
    assert fresh(order).status == "paid"
