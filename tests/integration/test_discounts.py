"""Discount codes at the checkout: applied without JavaScript (the "Apply" button) and
with an order; each refusal in words with what was typed kept; and the discount carried
to the order page, the payment, the invoice, the dataLayer and GA4."""

from __future__ import annotations

import re
from datetime import timedelta

from app.invoicing.models import InvoiceDocument
from app.orders.coupons import uses_of
from app.orders.models import Order
from app.orders.moves import commit_move
from app.orders.placing import BuyerDetails, OrderRefused, PaymentChoice, place_order
from app.orders.states import OrderStatus
from app.outbox.models import OutboxStatus
from app.outbox.worker import run_once
from app.timeutil import utcnow
from tests.integration.discount_helpers import make_code, offer_named
from tests.integration.helpers import (
    NBSP,
    check_out_like_a_browser,
    checkout_data,
    fresh,
    only_order,
    outbox_settings,
    pay_by_demo_card,
    read_eml,
)
from tests.integration.integrations import GA_CLIENT_ID, queue, settle
from tests.integration.test_datalayer import named

BUYER = BuyerDetails("Rita Conceição", "rita@example.pt", "+351912345678", None, "pt_PT")


def _apply(client, code: str, slug: str = "bilhete-geral", **fields):
    """Press "Apply" with the form as typed (no JavaScript)."""
    data = checkout_data(promo_code=code, apply_promo="1", **fields)
    return client.post(f"/checkout/{slug}", data=data)


def test_apply_without_javascript_shows_the_discounted_total_and_keeps_what_was_typed(client, db):
    make_code("CAFE10", "percent", 10)
    answer = _apply(client, "cafe10 ", name="Inês Ávila", nif="123456789", accept_terms=None)
    assert answer.status_code == 200
    html = answer.text
    assert f"−14,70{NBSP}€" in html
    assert f"132,30{NBSP}€" in html
    assert f"Pagar 132,30{NBSP}€" in html
    assert 'data-promo-applied="CAFE10"' in html
    # The summary above the form adds up too: the discount has its line there.
    assert re.search(r"data-total-discount>−14,70[^<]*</dd>", html)
    # Everything typed comes back, and no field is judged yet (the terms were not ticked).
    assert 'value="Inês Ávila"' in html and 'value="123456789"' in html
    assert 'value="cafe10 "' in html
    assert "Aceite os termos" not in html
    assert db.session.query(Order).count() == 0


def test_apply_with_htmx_answers_the_form_alone_with_the_new_total(client, db):
    make_code("VINTE", "amount", 2000)
    answer = client.post(
        "/checkout/bilhete-geral",
        data=checkout_data(promo_code="vinte", apply_promo="1"),
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith("<form")
    assert f"127,00{NBSP}€" in answer.text
    # The summary above the form follows, out of band.
    totals = re.search(
        r'<dl class="totals" id="checkout-totals" hx-swap-oob="true">.*?</dl>', answer.text, re.S
    )
    assert totals and "data-total-discount" in totals.group(0)
    assert f"127,00{NBSP}€" in totals.group(0)


def test_an_order_with_a_percentage_code_is_charged_the_discounted_amount(client, db):
    code_id = make_code("CAFE10", "percent", 10)
    order_url = pay_by_demo_card(client, promo_code="Cafe10")
    order = only_order()
    assert order.status == OrderStatus.PAID
    assert (order.amount_cents, order.discount_cents, order.list_unit_cents) == (13230, 1470, 14700)
    assert order.coupon_code == "CAFE10" and order.discount_code_id == code_id
    assert order.vat_cents == 2474  # the VAT of 132,30 € at 23 %
    page = client.get(order_url).text
    assert "Desconto (CAFE10)" in page and f"−14,70{NBSP}€" in page
    assert f"132,30{NBSP}€" in page
    assert uses_of(code_id) == 1


def test_a_fixed_code_takes_its_amount_off_each_ticket(client, db):
    make_code("MENOS20", "amount", 2000)
    pay_by_demo_card(client, promo_code="menos20")
    order = only_order()
    assert (order.amount_cents, order.discount_cents) == (12700, 2000)


def test_a_code_never_brings_an_order_below_what_a_card_can_charge(client, db):
    make_code("TUDO", "percent", 100)
    pay_by_demo_card(client, promo_code="TUDO")
    assert only_order().amount_cents == 50


REFUSALS = [
    ("NAOEXISTE", {}, "promo_unknown", "Não conhecemos este código"),
    ("DESLIGADO", {"active": False}, "promo_unknown", "Não conhecemos este código"),
    ("CEDO", {"valid_from": timedelta(days=1)}, "promo_early", "ainda não é válido"),
    ("TARDE", {"valid_until": timedelta(seconds=-1)}, "promo_expired", "já expirou"),
    ("VIP", {"offer": "bilhete-vip"}, "promo_other_offer", "não é válido para este bilhete"),
]


def _refused_code(code: str, setup: dict) -> None:
    if code == "NAOEXISTE":
        return
    fields = {}
    if "active" in setup:
        fields["active"] = setup["active"]
    for name in ("valid_from", "valid_until"):
        if name in setup:
            fields[name] = utcnow() + setup[name]
    if "offer" in setup:
        fields["offer_ids"] = [offer_named(setup["offer"]).id]
    make_code(code, **fields)


def test_each_bad_code_is_refused_in_words_on_apply_and_on_order_keeping_what_was_typed(client, db):
    for code, setup, reason, words in REFUSALS:
        _refused_code(code, setup)
        applied = _apply(client, code, name="Inês Ávila")
        assert applied.status_code == 422, code
        assert f'data-promo-error="{reason}"' in applied.text, code
        assert words in applied.text, code
        assert 'value="Inês Ávila"' in applied.text
        # The full price stays, and sending the order with the code places nothing.
        assert f"Pagar 147,00{NBSP}€" in applied.text
        sent = check_out_like_a_browser(client, promo_code=code, name="Inês Ávila")
        assert sent.status_code == 422, code
        assert f'data-promo-error="{reason}"' in sent.text
        assert "Verifique o código promocional" in sent.text
        assert f'value="{code}"' in sent.text
    assert db.session.query(Order).count() == 0


def test_a_used_up_code_is_refused_and_an_expired_hold_gives_its_use_back(client, db):
    code_id = make_code("UMA", "percent", 10, max_uses=1)
    offer_id = offer_named().id
    first = place_order(offer_id, BUYER, PaymentChoice("card", "demo", 900), promo_code="uma")
    other = BuyerDetails("Ana", "ana@example.pt", "+351912345670", None, "pt_PT")
    try:
        place_order(offer_id, other, PaymentChoice("card", "demo", 900), promo_code="UMA")
        raise AssertionError("a used-up code was accepted")
    except OrderRefused as refused:
        assert refused.code == "promo_used_up"
    applied = _apply(client, "UMA")
    assert 'data-promo-error="promo_used_up"' in applied.text
    assert "já foi usado todas as vezes" in applied.text
    # The first order's hold passes unpaid: the use comes back for someone else.
    first = fresh(first)
    first.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert uses_of(code_id) == 0
    again = place_order(offer_id, other, PaymentChoice("card", "demo", 900), promo_code="UMA")
    assert again.coupon_code == "UMA"


def test_stripe_checkout_charges_the_order_amount_and_names_the_code(stripe_client, stripe):
    make_code("CAFE10", "percent", 10)
    response = check_out_like_a_browser(stripe_client, "card", promo_code="cafe10")
    assert response.status_code == 303
    order = only_order()
    [call] = stripe.calls("POST", "/v1/checkout/sessions")
    line = call.params["line_items"][0]
    assert line["price_data"]["unit_amount"] == str(order.amount_cents) == "13230"
    assert line["quantity"] == "1"
    assert "CAFE10" in line["price_data"]["product_data"]["name"]


def test_the_invoice_and_the_email_state_the_discount_and_total_what_was_paid(
    app, client, db, tmp_path
):
    make_code("CAFE10", "percent", 10)
    with outbox_settings(app, MAIL_DIR=str(tmp_path), SMTP_URL=""):
        pay_by_demo_card(client, promo_code="CAFE10")
        while run_once():
            pass
    [document] = db.session.query(InvoiceDocument).all()
    assert document.amount_cents == 13230
    assert "desconto de 14,70" in document.description and "CAFE10" in document.description
    page = client.get(f"/invoice/{document.public_token}").text
    assert f"132,30{NBSP}€" in page and "CAFE10" in page
    [mail] = read_eml(tmp_path)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"Desconto (CAFE10): −14,70{NBSP}€" in text
    assert f"Total: 132,30{NBSP}€" in text


def test_the_datalayer_carries_the_coupon_from_a_partner_link_to_the_purchase(client, db):
    make_code("PARCEIRO", "amount", 1000)
    html = client.get("/checkout/bilhete-geral?promo_code=parceiro").text
    [begin] = named(html, "begin_checkout")
    assert begin["ecommerce"]["coupon"] == "PARCEIRO"
    assert begin["ecommerce"]["value"] == 137.0
    assert 'value="parceiro"' in html
    order_url = pay_by_demo_card(client, promo_code="parceiro")
    [purchase] = named(client.get(order_url).text, "purchase")
    assert purchase["ecommerce"]["coupon"] == "PARCEIRO"
    assert purchase["ecommerce"]["value"] == 137.0
    assert purchase["ecommerce"]["items"][0]["price"] == 147.0
    assert purchase["ecommerce"]["items"][0]["discount"] == 10.0


def test_an_order_page_without_a_code_shows_no_discount(client, db):
    order_url = pay_by_demo_card(client)
    assert "data-order-discount" not in client.get(order_url).text
    assert only_order().discount_cents == 0 and only_order().coupon_code is None


def test_ga4_purchase_names_the_coupon_and_the_discounted_value(db, configure, services):
    make_code("CAFE10", "percent", 10)
    buyer = BuyerDetails("Rita Conceição", "rita@example.pt", "+351912345678", None, "pt_PT")
    placed = place_order(
        offer_named().id,
        buyer,
        PaymentChoice("card", "demo", 900),
        ga_client_id=GA_CLIENT_ID,
        promo_code="cafe10",
    )
    order = commit_move(placed.id, OrderStatus.PAID, "payment_succeeded")
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})
    assert settle(db, message_id).status == OutboxStatus.DELIVERED
    (hit,) = services.ga4.seen
    [event] = hit.json["events"]
    assert event["params"]["coupon"] == "CAFE10"
    assert event["params"]["value"] == 132.3


def test_a_retry_takes_the_code_again_only_if_a_use_is_left(client, db):
    make_code("UMA", "percent", 10, max_uses=1)
    offer_id = offer_named().id
    first = place_order(offer_id, BUYER, PaymentChoice("card", "demo", 900), promo_code="UMA")
    first.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    other = BuyerDetails("Ana", "ana@example.pt", "+351912345670", None, "pt_PT")
    place_order(offer_id, other, PaymentChoice("card", "demo", 900), promo_code="UMA")
    answer = client.post(f"/order/{first.public_token}/retry", data={"payment_method": "card"})
    assert answer.status_code == 303
    assert "retry_error=promo_used_up" in answer.headers["Location"]
    page = client.get(answer.headers["Location"]).text
    assert "o seu código de desconto esgotou" in page
    assert fresh(first).status == OrderStatus.EXPIRED
