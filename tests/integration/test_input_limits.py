"""What the shop accepts from outside: body sizes, Host headers, field lengths, names in
any script and hostile text (what production shows when something breaks is in
test_production_app.py)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from markupsafe import escape
from sqlalchemy import func, inspect, select
from wtforms.fields.core import UnboundField

from app.checkout.forms import CheckoutForm
from app.config import FORM_MAX_BYTES
from app.customers.models import Customer
from app.extensions import db as _db
from app.leads.forms import LeadForm
from app.leads.models import Lead
from app.orders.models import Order
from app.outbox.worker import run_once
from tests.integration.helpers import (
    checkout_data,
    lead_data,
    only_order,
    outbox_settings,
    pay_by_demo_card,
)
from tests.smtp_double import SmtpDouble
from tests.stripe_double import sign

LANGS = {"pt_PT": "", "en": "/en"}


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _row(html: str, field: str) -> str:
    """The form row of one field, as the page renders it."""
    start = html.rindex("<div", 0, html.index(f'id="field-{field}"'))
    return html[start : html.index("</div>", start)]


# -- body size ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "heading"), [("pt_PT", "Demasiados dados"), ("en", "That was too much data")]
)
def test_a_form_post_above_the_limit_gets_the_localized_413_page(client, db, lang, heading):
    response = client.post(
        f"{LANGS[lang]}/leads", data=lead_data(name="a" * (FORM_MAX_BYTES + 1024))
    )
    assert response.status_code == 413
    assert 'data-error="413"' in response.text
    assert heading in response.text
    assert "Traceback" not in response.text and "RequestEntityTooLarge" not in response.text
    assert _db.session.scalar(select(func.count(Lead.id))) == 0


def test_the_biggest_honest_checkout_fits_well_under_the_limit(client, db):
    # Every field at its maxlength, in 4-byte characters where a person could type them:
    # what the limit must always let through.
    widest = "\U00020000"  # a CJK ideograph: a letter, four bytes in UTF-8
    data = checkout_data(
        name=widest * 120,
        email=("é" * 240) + "@exemplo.pt",
        phone="+" + "9" * 19,
        nif="PT 123 456 789",
        checkout_key="k" * 64,
    )
    body = urlencode(data).encode()
    assert len(body) < FORM_MAX_BYTES / 2
    response = client.post("/checkout/bilhete-geral", data=data)
    assert response.status_code in (303, 422)


def _stripe_event_of_size(stripe, size: int) -> bytes:
    event = stripe.event("customer.updated", {"id": "cus_1", "object": "customer"})
    event["data"]["object"]["description"] = ""
    padding = size - len(json.dumps(event).encode())
    event["data"]["object"]["description"] = "x" * padding
    return json.dumps(event).encode()


def test_a_200_kb_stripe_webhook_is_read_not_refused_as_too_large(stripe_client, stripe):
    payload = _stripe_event_of_size(stripe, 200 * 1024)
    assert len(payload) > FORM_MAX_BYTES * 10
    signed = stripe_client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": sign(payload)},
        content_type="application/json",
    )
    assert signed.status_code == 200
    assert signed.json["received"] is True
    # The same size with a wrong signature: refused for the signature, not the size.
    forged = stripe_client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": "t=1,v1=bad"},
        content_type="application/json",
    )
    assert forged.status_code == 400


def test_the_webhook_limit_is_raised_not_removed(stripe_client, stripe):
    payload = _stripe_event_of_size(stripe, 2 * 1024 * 1024)
    response = stripe_client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": sign(payload)},
        content_type="application/json",
    )
    assert response.status_code == 413


# -- Host header ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/", "Não percebemos este pedido"), ("/en/", "We could not understand that request")],
)
def test_a_foreign_host_header_gets_a_localized_400(client, path, heading):
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert 'data-error="400"' in response.text
    assert heading in response.text
    assert "evil.example" not in response.text
    # Links on the error page stay on the shop.
    assert 'href="/' in response.text


def test_a_form_sent_to_a_foreign_host_stores_nothing(client, db):
    response = client.post("/leads", data=lead_data(), headers={"Host": "evil.example:443"})
    assert response.status_code == 400
    assert _db.session.scalar(select(func.count(Lead.id))) == 0


def test_the_shops_own_hosts_are_served(app, client):
    assert app.config["TRUSTED_HOSTS"] == ["shop.test", "127.0.0.1", "localhost"]
    for host in ("shop.test", "localhost", "127.0.0.1:8000"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host


# -- field lengths ---------------------------------------------------------------------------


def _limits(form_class) -> dict[str, int]:
    """Each text field's server-side maximum, read from its Length validator."""
    limits = {}
    # The class's own declarations (its `_unbound_fields` exist only once one was built).
    declared = [(name, getattr(form_class, name)) for name in dir(form_class)]
    for name, field in [(n, f) for n, f in declared if isinstance(f, UnboundField)]:
        for validator in field.kwargs.get("validators", []):
            if getattr(validator, "max", -1) > 0 and field.field_class.__name__ != "HiddenField":
                limits[name] = validator.max
    return limits


@pytest.mark.parametrize(
    ("page", "form_class", "fields"),
    [
        ("/leads", LeadForm, {"name": 120, "email": 254}),
        (
            "/checkout/bilhete-geral",
            CheckoutForm,
            {
                "name": 120,
                "email": 254,
                "phone": 20,
                "nif": 14,
                "company_name": 120,
                "company_nif": 14,
                "company_address": 200,
                "company_postcode": 8,
                "company_city": 80,
                "promo_code": 40,
            },
        ),
    ],
)
def test_every_text_field_has_the_same_limit_in_the_page_and_on_the_server(
    client, page, form_class, fields
):
    assert _limits(form_class) == fields
    html = client.get(page).text
    inputs = re.findall(r"<input[^>]*>", html)
    typed = [tag for tag in inputs if re.search(r'type="(text|email|tel)"', tag)]
    assert len(typed) == len(fields)
    for tag in typed:
        name = re.search(r'name="([^"]+)"', tag)[1]
        assert f'maxlength="{fields[name]}"' in tag, tag


TOO_LONG = [
    ("/leads", lead_data, "name", "A" * 121, "Use no máximo 120 caracteres."),
    (
        "/en/leads",
        lead_data,
        "name",
        "Ana " * 30 + "Anabela",
        "Please keep it under 120 characters.",
    ),
    ("/leads", lead_data, "email", "a" * 250 + "@exemplo.pt", "Use no máximo 254 caracteres."),
    ("/checkout/bilhete-geral", checkout_data, "name", "Ç" * 121, "Use no máximo 120 caracteres."),
    (
        "/en/checkout/bilhete-geral",
        checkout_data,
        "email",
        "b" * 250 + "@example.com",
        "Please keep it under 254 characters.",
    ),
    ("/checkout/bilhete-geral", checkout_data, "phone", "9" * 21, "Este número é demasiado longo."),
    ("/en/checkout/bilhete-geral", checkout_data, "nif", "1" * 15, "A NIF has 9 digits."),
]


@pytest.mark.parametrize(("url", "make", "field", "value", "message"), TOO_LONG)
def test_too_long_is_a_422_on_that_field_keeping_what_was_typed(
    client, db, url, make, field, value, message
):
    data = make(**{field: value})
    response = client.post(url, data=data)
    assert response.status_code == 422
    row = _row(response.text, field)
    assert "field--error" in row and message in row
    # Everything typed comes back, the long value too, so nothing has to be typed again.
    for name in ("name", "email", "phone", "nif"):
        if data.get(name):
            assert f'value="{escape(data[name])}"' in response.text, name
    assert _db.session.scalar(select(func.count(Customer.id))) == 0


# -- names in any script ------------------------------------------------------------------


UNICODE_NAMES = ["João Conceição", "Ana-Sofia D'Ávila", "Zoë Ümlaut-Ñúñez", "Ng’ang’a Wa Thiong’o"]


@pytest.fixture
def smtp(app, tmp_path):
    """The outbox delivering through a real SMTP server."""
    server = SmtpDouble().start()
    with outbox_settings(app, SMTP_URL=server.url, MAIL_DIR=str(tmp_path / "mail")):
        yield server
    server.stop()


def _bodies(mail) -> tuple[str, str]:
    return (
        mail.get_body(preferencelist=("plain",)).get_content(),
        mail.get_body(preferencelist=("html",)).get_content(),
    )


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_a_buyers_name_comes_back_identical_everywhere(client, db, smtp, name):
    order_page = client.get(pay_by_demo_card(client, cardholder=name, name=name)).text
    assert f"<dd>{escape(name)}</dd>" in order_page

    _db.session.expire_all()
    assert only_order().customer.name == name
    run_once()
    [mail] = smtp.received
    text, html = _bodies(mail)
    assert name in text
    assert str(escape(name)) in html
    assert name in str(mail["To"])


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_a_leads_name_comes_back_identical_everywhere(client, db, smtp, name):
    assert client.post("/en/leads", data=lead_data(name=name)).status_code == 303
    _db.session.expire_all()
    assert _db.session.scalars(select(Lead)).one().customer.name == name
    run_once()
    [mail] = smtp.received
    text, html = _bodies(mail)
    assert name in text
    assert str(escape(name)) in html


def test_a_name_typed_in_decomposed_form_is_kept_as_the_same_letters(client, db):
    decomposed = "Joa\u0303o Conceic\u0327a\u0303o"  # what some keyboards send
    assert client.post("/leads", data=lead_data(name=decomposed)).status_code == 303
    assert _db.session.scalars(select(Lead)).one().customer.name == "João Conceição"


@pytest.mark.parametrize(
    "name",
    ["Ana 2", "R2-D2", "Ana\tSilva", "Ana\u202eavlis", "Ana 😀", "...", "Ana; Rui"],
)
def test_digits_symbols_and_control_characters_are_refused_with_a_message(client, db, name):
    response = client.post("/en/checkout/bilhete-geral", data=checkout_data(name=name))
    assert response.status_code == 422
    row = _row(response.text, "name")
    assert "Please use only letters, spaces, hyphens, apostrophes and dots." in row
    assert _db.session.scalar(select(func.count(Order.id))) == 0


def test_a_nul_in_a_name_is_refused_at_the_door(client, db):
    # No person types a NUL (and PostgreSQL cannot store one): a 400 before any view.
    response = client.post("/en/checkout/bilhete-geral", data=checkout_data(name="Ana\x00"))
    assert response.status_code == 400
    assert _db.session.scalar(select(func.count(Order.id))) == 0


# -- hostile text ---------------------------------------------------------------------------


PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE customers; --",
    "Robert'); DROP TABLE orders;--",
]


def _tables_intact() -> None:
    _db.session.rollback()
    tables = set(inspect(_db.engine).get_table_names())
    assert {"customers", "orders", "leads"} <= tables
    _db.session.scalar(select(func.count(Customer.id)))
    _db.session.scalar(select(func.count(Order.id)))


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(
    ("url", "make"), [("/leads", lead_data), ("/en/checkout/bilhete-geral", checkout_data)]
)
def test_markup_and_sql_in_a_name_are_refused_and_shown_back_as_text(
    client, db, url, make, payload
):
    response = client.post(url, data=make(name=payload))
    assert response.status_code == 422
    row = _row(response.text, "name")
    assert "field--error" in row
    # Shown back escaped, in the field, ready to correct; never as markup.
    assert f'value="{escape(payload)}"' in row
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert _db.session.scalar(select(func.count(Customer.id))) == 0
    _tables_intact()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_in_other_fields_is_refused_and_never_echoed_as_markup(client, db, payload):
    data = checkout_data(email=f"{payload}@exemplo.pt", phone=payload, nif=payload)
    response = client.post("/checkout/bilhete-geral", data=data)
    assert response.status_code == 422
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    for field in ("email", "phone", "nif"):
        assert "field--error" in _row(response.text, field)
    lead = client.post("/leads", data=lead_data(business_type=payload, business_stage=payload))
    assert lead.status_code == 422
    assert "<script>alert" not in lead.text and "<img src=x" not in lead.text
    assert _db.session.scalar(select(func.count(Customer.id))) == 0
    _tables_intact()


def test_sql_shaped_text_that_is_a_valid_name_is_stored_and_shown_harmlessly(client, db, smtp):
    # Letters, spaces, apostrophes and hyphens only: a legal name, and a classic injection.
    name = "Robert' OR 'a'='a"
    assert client.post("/leads", data=lead_data(name=name)).status_code == 422
    name = "Robert' DROP TABLE orders --"
    page = client.get(pay_by_demo_card(client, name=name)).text
    assert "<dd>Robert&#39; DROP TABLE orders --</dd>" in page
    _tables_intact()
    assert only_order().customer.name == name
    run_once()
    [mail] = smtp.received
    text, html = _bodies(mail)
    assert name in text
    assert "Robert&#39; DROP TABLE orders --" in html
