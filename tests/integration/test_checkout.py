import re
from datetime import timedelta

from sqlalchemy import select

from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.models import Order
from app.timeutil import utcnow
from tests.integration.helpers import NBSP, check_out, checkout_data, only_order, token_from


def test_checkout_page_shows_the_offer_with_vat(client):
    html = client.get("/checkout/bilhete-geral").text
    assert f"147,00{NBSP}€" in html
    assert f"27,49{NBSP}€" in html  # VAT contained in the price
    for name in ["name", "email", "phone", "nif", "payment_method", "accept_terms"]:
        assert f'name="{name}"' in html
    assert 'method="post"' in html


def test_card_checkout_creates_an_order_and_redirects_303_to_the_demo_card(client, db):
    response = client.post("/checkout/bilhete-geral", data=checkout_data(nif="123 456 789"))
    assert response.status_code == 303
    assert "/demo/card/" in response.headers["Location"]
    order = only_order()
    assert order.status == "awaiting_payment"
    assert order.amount_cents == 14700
    assert order.vat_cents == 2749
    assert order.currency == "EUR"
    assert order.payment_method == "card"
    assert order.provider == "demo"
    assert order.provider_reference
    assert order.billing_nif == "123456789"
    assert order.customer.phone == "+351912345678"
    assert order.customer.name == "João Conceição"
    assert order.customer.journey_stage == "checkout"
    assert len(order.public_token) >= 32
    assert [h.to_status for h in order.history] == ["awaiting_payment"]


def test_htmx_checkout_answers_with_hx_redirect(client, db):
    response = client.post(
        "/checkout/bilhete-geral", data=checkout_data(), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "/demo/card/" in response.headers["HX-Redirect"]


def test_phone_forms_people_type_are_stored_as_e164(client, db):
    for typed, email in [
        ("+351 912 345 678", "a@example.pt"),
        ("00351912345678", "b@example.pt"),
        ("912345678", "c@example.pt"),
    ]:
        client.post("/checkout/bilhete-geral", data=checkout_data(phone=typed, email=email))
    phones = {o.customer.phone for o in db.session.scalars(select(Order))}
    assert phones == {"+351912345678"}


def test_invalid_checkout_keeps_input_and_explains_each_field(client, db):
    response = client.post(
        "/checkout/bilhete-geral",
        data=checkout_data(phone="12", nif="123456780", accept_terms=None, name="Inês"),
    )
    assert response.status_code == 422
    assert "Este número não parece correto" in response.text
    assert "Este NIF não é válido" in response.text
    assert "Aceite as condições para continuar." in response.text
    assert 'value="Inês"' in response.text
    assert 'value="12"' in response.text
    assert 'value="123456780"' in response.text
    assert db.session.scalars(select(Order)).all() == []


def test_english_checkout_errors(client):
    response = client.post("/en/checkout/bilhete-geral", data=checkout_data(email="nope"))
    assert response.status_code == 422
    assert "This email does not look right" in response.text


def test_mb_way_needs_a_portuguese_mobile(client, db):
    response = client.post(
        "/checkout/bilhete-geral",
        data=checkout_data(payment_method="mb_way", phone="+44 7400 123456"),
    )
    assert response.status_code == 422
    assert "O MB WAY precisa de um telemóvel português" in response.text
    card = client.post(
        "/checkout/bilhete-geral", data=checkout_data(phone="+44 7400 123456", nif="")
    )
    assert card.status_code == 303


def test_htmx_validation_error_returns_only_the_form(client):
    response = client.post(
        "/checkout/bilhete-geral", data=checkout_data(name=""), headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith("<form")
    assert 'id="checkout-form"' in response.text


def test_inline_validation_of_the_phone(client):
    response = client.post(
        "/checkout/bilhete-geral/validate?field=phone", data=checkout_data(phone="999")
    )
    assert 'id="field-phone"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'hx-post="/checkout/bilhete-geral/validate?field=phone"' in response.text


def test_inline_validation_of_an_unknown_field_is_404(client):
    assert client.post("/checkout/bilhete-geral/validate?field=secret").status_code == 404


def test_order_page_shows_state_in_the_buyers_language(client, db):
    token = token_from(check_out(client))
    pt = client.get(f"/order/{token}")
    assert pt.status_code == 200
    assert 'data-order-status="awaiting_payment"' in pt.text
    assert "À espera do pagamento com cartão" in pt.text
    assert pt.headers["Cache-Control"] == "no-store"
    en = client.get(f"/en/order/{token}")
    assert "Waiting for your card payment" in en.text


def test_order_page_is_404_for_a_guessed_token(client, db):
    check_out(client)
    assert client.get("/order/abc").status_code == 404


def test_sold_out_offer_shows_the_waiting_list(client, db):
    offer = only_offer(db, "bilhete-vip")
    offer.capacity = 1
    _db.session.commit()
    assert client.post("/checkout/bilhete-vip", data=checkout_data()).status_code == 303
    page = client.get("/checkout/bilhete-vip").text
    assert "data-sold-out" in page
    assert "Entrar na lista de espera" in page
    refused = client.post("/checkout/bilhete-vip", data=checkout_data(email="late@example.pt"))
    assert refused.status_code == 409
    assert "o último lugar acabou de ser vendido" in refused.text
    landing = client.get("/").text
    assert "Esgotado" in landing


def test_expired_holds_free_their_seat(client, db):
    offer = only_offer(db, "bilhete-vip")
    offer.capacity = 1
    _db.session.commit()
    check_out(client, slug="bilhete-vip")
    order = only_order()
    order.expires_at = utcnow() - timedelta(seconds=1)
    _db.session.commit()
    again = client.post("/checkout/bilhete-vip", data=checkout_data(email="next@example.pt"))
    assert again.status_code == 303


def test_offer_outside_its_sales_window_is_not_sold(client, db):
    offer = only_offer(db, "bilhete-geral")
    offer.sales_end = utcnow() - timedelta(minutes=1)
    _db.session.commit()
    assert "As vendas deste bilhete estão fechadas." in client.get("/checkout/bilhete-geral").text
    response = client.post("/checkout/bilhete-geral", data=checkout_data())
    assert response.status_code == 409


def only_offer(db, slug):
    return db.session.scalar(select(Offer).where(Offer.slug == slug))


def test_money_never_passes_through_floats_on_the_page(client):
    html = client.get("/en/checkout/bilhete-vip").text
    assert re.search(r"€297\.00", html)


def test_the_same_form_sent_twice_makes_one_order(client, db):
    data = checkout_data(checkout_key="k" * 32)
    first = client.post("/checkout/bilhete-geral", data=data)
    second = client.post("/checkout/bilhete-geral", data=data)
    order = only_order()
    assert "/demo/card/" in first.headers["Location"]
    assert second.status_code == 303
    assert second.headers["Location"] == f"/order/{order.public_token}"


def test_the_checkout_form_carries_a_fresh_key(client):
    html = client.get("/checkout/bilhete-geral").text
    key = re.search(r'name="checkout_key" type="hidden" value="([^"]+)"', html).group(1)
    assert len(key) >= 24
    assert key not in client.get("/checkout/bilhete-geral").text
