"""Several tickets in one order: the quantity chosen at the checkout (with and without
JavaScript), a name per ticket, the price times the seats on the order, the demo payment,
the order page, the email, the invoice, the dataLayer and GA4, and the limits the server
keeps whatever the form sends."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.catalog.models import Offer
from app.extensions import db as _db
from app.invoicing.models import InvoiceDocument
from app.orders.models import Order
from app.orders.placing import BuyerDetails, PaymentChoice, place_order
from app.outbox.models import OutboxStatus
from app.outbox.worker import run_once
from tests.integration.helpers import (
    NBSP,
    checkout_data,
    fresh,
    only_order,
    order_page,
    outbox_settings,
    read_eml,
)
from tests.integration.integrations import GA_CLIENT_ID, queue, settle
from tests.integration.test_datalayer import named

CHECKOUT = "/checkout/bilhete-geral"
UPDATE = "/checkout/bilhete-geral/quantity"


def two_tickets(**overrides: str | None) -> dict[str, str]:
    """The checkout form for two tickets: the buyer's, and one for a friend."""
    fields = {
        "quantity": "2",
        "attendees-0-name": "",
        "attendees-0-email": "",
        "attendees-1-name": "Rita Gonçalves",
        "attendees-1-email": "rita@example.pt",
        **overrides,
    }
    return checkout_data(**fields)


def _offer(slug: str = "bilhete-geral") -> Offer:
    return _db.session.scalar(select(Offer).where(Offer.slug == slug))


def _orders() -> list[Order]:
    _db.session.rollback()
    return list(_db.session.scalars(select(Order)))


def _rows(html: str) -> int:
    return int(re.search(r'data-attendee-rows="(\d+)"', html).group(1))


def _deliver() -> None:
    while run_once():
        pass


# -- the form ---------------------------------------------------------------------------


def test_the_checkout_offers_one_to_five_tickets_and_an_update_button(client):
    html = client.get(CHECKOUT).text
    select_tag = re.search(r'<select[^>]*name="quantity".*?</select>', html, re.DOTALL).group(0)
    assert re.findall(r'<option[^>]*value="(\d+)"', select_tag) == ["1", "2", "3", "4", "5"]
    assert 'hx-post="/checkout/bilhete-geral/quantity"' in select_tag
    # Without JavaScript: a submit button that draws the form again, unchecked.
    update = re.search(r"<button[^>]*formaction=\"/checkout/bilhete-geral/quantity\"[^>]*>", html)
    assert update and "formnovalidate" in update.group(0)
    assert "Atualizar" in html
    # One ticket is the buyer's own: no attendee rows yet.
    assert _rows(html) == 0
    assert f"Pagar 147,00{NBSP}€" in html


def test_update_without_javascript_draws_a_row_per_ticket_keeping_what_was_typed(client, db):
    typed = checkout_data(quantity="3", nif="123 456 789", **{"attendees-1-name": "Rui"})
    answer = client.post(UPDATE, data=typed)
    assert answer.status_code == 200
    html = answer.text
    assert _rows(html) == 3
    for index in range(3):
        assert f'name="attendees-{index}-name"' in html
    assert 'value="Rui"' in html
    assert 'value="João Conceição"' in html and 'value="123 456 789"' in html
    assert '<option selected value="3">' in html
    assert f"3 × 147,00{NBSP}€" in html and f"441,00{NBSP}€" in html
    assert f"Pagar 441,00{NBSP}€" in html
    # Nothing was checked (no error on the terms left unticked) and nothing held.
    # (The page's inlined stylesheet names the class: an element with it must be absent.)
    assert 'class="form-error"' not in html
    assert _orders() == []
    # Back to one ticket: the rows go, the buyer's details stay.
    back = client.post(UPDATE, data=checkout_data(quantity="1", **{"attendees-1-name": "Rui"}))
    assert _rows(back.text) == 0 and 'value="João Conceição"' in back.text


def test_htmx_swaps_the_rows_and_the_totals_in_place(client, db):
    answer = client.post(
        UPDATE,
        data=checkout_data(quantity="2", **{"attendees-0-name": "Ana"}),
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    html = answer.text
    assert "<html" not in html and "<form" not in html
    assert html.lstrip().startswith('<div id="attendee-rows"') or 'id="attendee-rows"' in html
    assert _rows(html) == 2 and 'value="Ana"' in html
    assert re.search(r'<dl[^>]*id="checkout-totals"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'<button[^>]*id="checkout-pay"[^>]*hx-swap-oob="true"', html)
    assert f"294,00{NBSP}€" in html
    assert _orders() == []


def test_a_ticket_without_a_name_is_sent_back_with_everything_typed(client, db):
    answer = client.post(CHECKOUT, data=two_tickets(**{"attendees-1-name": ""}))
    assert answer.status_code == 422
    html = answer.text
    assert "Diga-nos para quem é este bilhete." in html
    assert 'value="rita@example.pt"' in html and 'value="João Conceição"' in html
    assert _rows(html) == 2
    assert _orders() == []


def test_a_guests_email_is_checked_and_sent_back_as_typed(client, db):
    """A friend's email that is not one (`joana@`) would get her ticket bounced."""
    for typed in ("joana@", "joana@@exemplo.pt", "j" * 250 + "@exemplo.pt"):
        answer = client.post(CHECKOUT, data=two_tickets(**{"attendees-1-email": typed}))
        assert answer.status_code == 422, typed
        html = answer.text
        field = html.split('id="field-attendees-1-email"', 1)[1].split("</div>", 1)[0]
        assert "Este email não parece correto" in field or "máximo 254" in field, typed
        assert f'value="{typed}"' in html and 'value="Rita Gonçalves"' in html
        assert _orders() == []
    # Left empty, it is the buyer's to pass on: no error.
    assert client.post(CHECKOUT, data=two_tickets(**{"attendees-1-email": ""})).status_code == 303


def test_a_quantity_chosen_without_update_still_asks_for_each_name(client, db):
    """Pay pressed straight after choosing 3, JavaScript off: the rows appear, asking."""
    answer = client.post(CHECKOUT, data=checkout_data(quantity="3"))
    assert answer.status_code == 422
    assert _rows(answer.text) == 3
    assert answer.text.count("Diga-nos para quem é este bilhete.") == 2
    assert _orders() == []


def test_a_forged_quantity_is_refused_with_words(client, db):
    for forged in ("6", "0", "abc", "-1", "2.5", "", "²", "３", " 2"):
        answer = client.post(CHECKOUT, data=two_tickets(quantity=forged))
        assert answer.status_code == 422, forged
        assert "Pode comprar de 1 a 5 bilhetes numa encomenda." in answer.text, forged
        assert 'value="João Conceição"' in answer.text
    # Nor does the redraw trust it: one ticket, and the form as typed.
    assert _rows(client.post(UPDATE, data=checkout_data(quantity="99")).text) == 0
    assert _orders() == []


def test_the_offers_own_limit_is_kept_by_the_server(client, db):
    offer = _offer()
    offer.max_per_order = 2
    _db.session.commit()
    html = client.get(CHECKOUT).text
    assert re.findall(r'<option[^>]*value="(\d+)"', html) == ["1", "2"]
    answer = client.post(CHECKOUT, data=checkout_data(quantity="3"))
    assert answer.status_code == 422
    assert "Pode comprar de 1 a 2 bilhetes numa encomenda." in answer.text
    assert _orders() == []


def test_not_enough_seats_says_how_many_are_left_and_keeps_the_form(client, db):
    offer = _offer()
    offer.capacity = 1
    _db.session.commit()
    answer = client.post(CHECKOUT, data=two_tickets())
    assert answer.status_code == 409
    html = answer.text
    assert "data-not-enough-seats" in html
    assert "Lamentamos, resta apenas 1 lugar para este bilhete." in html
    assert 'value="Rita Gonçalves"' in html and 'value="João Conceição"' in html
    assert _orders() == []
    # One ticket still fits.
    assert client.post(CHECKOUT, data=checkout_data()).status_code == 303


# -- the order and what follows it ------------------------------------------------------


def test_two_tickets_are_one_order_priced_paid_and_shown_as_two(app, client, db, tmp_path):
    with outbox_settings(app, MAIL_DIR=str(tmp_path), SMTP_URL=""):
        answer = client.post(CHECKOUT, data=two_tickets(nif="123456789"))
        assert answer.status_code == 303
        order = only_order()
        assert (order.quantity, order.amount_cents, order.vat_cents) == (2, 29400, 5498)
        assert [(t.position, t.attendee_name, t.attendee_email) for t in order.tickets] == [
            (1, "João Conceição", None),
            (2, "Rita Gonçalves", "rita@example.pt"),
        ]
        card = client.get(answer.headers["Location"]).text
        assert f"294,00{NBSP}€" in card
        paid = client.post(answer.headers["Location"], data={"cardholder_name": "João"})
        assert paid.status_code == 303
        assert fresh(order).status == "paid"
        _deliver()
    page = order_page(client, order)
    assert re.search(r"data-order-tickets>2 × Bilhete Geral<", page)
    assert f"294,00{NBSP}€" in page
    [mail] = [m for m in read_eml(tmp_path) if "joao@example.pt" in m["To"]][:1]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "2 × Bilhete Geral" in text and f"294,00{NBSP}€" in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "2 × Bilhete Geral" in html
    [document] = _db.session.scalars(select(InvoiceDocument)).all()
    assert (document.quantity, document.amount_cents) == (2, 29400)
    invoice = client.get(f"/invoice/{document.public_token}").text
    assert re.search(r"data-invoice-quantity>2<", invoice)
    assert re.search(rf"data-invoice-unit>147,00{NBSP}€<", invoice)
    assert f"294,00{NBSP}€" in invoice


def test_the_datalayer_counts_the_seats_and_their_total(client, db):
    location = client.post(CHECKOUT, data=two_tickets(payment_method="mb_way")).headers["Location"]
    order = only_order()
    client.post(f"/demo/mbway/{order.public_token}", data={"decision": "approve"})
    [purchase] = named(client.get(location).text, "purchase")
    assert purchase["ecommerce"]["value"] == 294.0
    assert purchase["ecommerce"]["tax"] == 54.98
    assert purchase["ecommerce"]["items"] == [
        {"item_id": "bilhete-geral", "item_name": "Bilhete Geral", "price": 147.0, "quantity": 2}
    ]


def test_ga4_gets_the_seats_and_the_total(db, configure, services):
    buyer = BuyerDetails("Beatriz Antunes", "bea@example.pt", "+351913222111", None, "pt_PT")
    order = place_order(
        _offer().id,
        buyer,
        PaymentChoice("card", "demo", 900),
        ga_client_id=GA_CLIENT_ID,
        quantity=3,
    )
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})
    assert settle(db, message_id).status == OutboxStatus.DELIVERED
    (hit,) = services.ga4.seen
    (event,) = hit.json["events"]
    assert event["params"]["value"] == 441.0
    assert event["params"]["items"][0]["price"] == 147.0
    assert event["params"]["items"][0]["quantity"] == 3


def test_a_retry_needs_every_seat_of_the_order_free_again(client, db):
    client.post(CHECKOUT, data=two_tickets(payment_method="multibanco"))
    order = only_order()
    client.post(f"/order/{order.public_token}/change")
    order = fresh(order)
    assert order.status in {"failed", "expired", "cancelled"}, order.status
    offer = _offer()
    offer.capacity = 1
    _db.session.commit()
    answer = client.post(f"/order/{order.public_token}/retry", data={"payment_method": "card"})
    assert answer.status_code == 303
    assert "retry_error=not_enough_seats" in answer.headers["Location"]
    page = client.get(answer.headers["Location"]).text
    assert "data-not-enough-seats" in page
    assert "já não há lugares suficientes" in page


def test_more_rows_than_tickets_are_dropped_not_trusted(client, db):
    rows = {f"attendees-{i}-name": f"Pessoa {chr(65 + i)}" for i in range(9)}
    assert client.post(CHECKOUT, data=two_tickets(**rows)).status_code == 303
    order = only_order()
    assert order.quantity == 2
    assert [t.attendee_name for t in order.tickets] == ["Pessoa A", "Pessoa B"]
