"""Discount codes in the back office: owner and marketing make, change and switch off
codes (each change audited), the list counts uses, bad input is refused with what was
typed kept; the door may not open it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog.discounts import DiscountCode
from app.extensions import db as _db
from app.orders.placing import BuyerDetails, PaymentChoice, place_order
from tests.integration.discount_helpers import offer_named
from tests.integration.helpers import NBSP, checkout_data, csrf_token
from tests.integration.staff_helpers import sign_in

BUYER = BuyerDetails("Rita Conceição", "rita@example.pt", "+351912345678", None, "pt_PT")


def _new_code(client, **fields):
    page = client.get("/staff/discounts/new")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token(page.text),
        "code": "Verao25",
        "kind": "percent",
        "value": "25",
        "valid_from": "2026-07-01T10:00",
        "valid_until": "2030-07-01T10:00",
        "max_uses": "10",
        "active": "y",
        "note": "Parceria de verão",
        **fields,
    }
    return client.post(
        "/staff/discounts/new", data={k: v for k, v in data.items() if v is not None}
    )


def test_marketing_creates_a_code_that_the_list_shows_with_its_uses(client, db):
    sign_in(client, "marketing")
    vip = offer_named("bilhete-vip")
    created = _new_code(client, offers=str(offer_named().id))
    assert created.status_code == 303, created.text[:2000]
    code = _db.session.scalar(select(DiscountCode))
    assert (code.code, code.kind, code.value, code.max_uses) == ("VERAO25", "percent", 25, 10)
    assert code.offer_ids == [offer_named().id] and vip.id not in code.offer_ids
    # Typed as Lisbon time (summer, UTC+1), kept in UTC.
    assert code.valid_from == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert code.valid_until == datetime(2030, 7, 1, 9, 0, tzinfo=UTC)
    place_order(offer_named().id, BUYER, PaymentChoice("card", "demo", 900), promo_code="verao25")

    listing = client.get("/staff/discounts?done=created").text
    assert 'data-code="VERAO25"' in listing and 'data-uses="1"' in listing
    assert "1 / 10" in listing and "Bilhete Geral" in listing and "Código criado" in listing
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "discount.create"))
    assert entry.after["code"] == "VERAO25" and entry.staff_role == "marketing"


def test_a_fixed_amount_is_typed_in_euros_and_kept_in_cents(client, db):
    sign_in(client, "owner")
    assert _new_code(client, code="MENOS20", kind="amount", value="20,50").status_code == 303
    code = _db.session.scalar(select(DiscountCode))
    assert (code.kind, code.value, code.offer_ids) == ("amount", 2050, None)
    assert f"20,50{NBSP}€" in client.get("/staff/discounts").text


def test_bad_input_and_a_code_taken_in_any_case_are_refused_keeping_what_was_typed(client, db):
    sign_in(client, "marketing")
    refused = _new_code(client, value="150", note="Guardado")
    assert refused.status_code == 422
    assert "Uma percentagem é um número inteiro de 1 a 100." in refused.text
    assert 'value="Guardado"' in refused.text
    assert _new_code(client, code="tem espaços").status_code == 422
    assert _new_code(client, valid_until="2026-06-01T10:00").status_code == 422
    assert _new_code(client).status_code == 303
    twice = _new_code(client, code="verao25")
    assert twice.status_code == 422 and "Esse código já existe." in twice.text
    assert _db.session.query(DiscountCode).count() == 1


def test_switching_a_code_off_is_audited_and_the_checkout_refuses_it(client, db):
    sign_in(client, "owner")
    _new_code(client, valid_from="", valid_until="")
    code = _db.session.scalar(select(DiscountCode))
    page = client.get(f"/staff/discounts/{code.id}")
    assert page.status_code == 200 and 'value="VERAO25"' in page.text
    data = {
        "csrf_token": csrf_token(page.text),
        "code": "VERAO25",
        "kind": "percent",
        "value": "25",
        "max_uses": "10",
        "note": "Parceria de verão",
    }  # "active" left unticked
    assert client.post(f"/staff/discounts/{code.id}", data=data).status_code == 303
    _db.session.expire_all()
    assert _db.session.get(DiscountCode, code.id).active is False
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "discount.update"))
    assert entry.before["active"] is True and entry.after["active"] is False
    assert "desativado" in client.get("/staff/discounts").text
    buyer = client.application.test_client()
    answer = buyer.post(
        "/checkout/bilhete-geral", data=checkout_data(promo_code="verao25", apply_promo="1")
    )
    assert 'data-promo-error="promo_unknown"' in answer.text


def test_the_door_cannot_open_discount_codes(client, db):
    sign_in(client, "door")
    assert client.get("/staff/discounts").status_code == 403
    assert client.post("/staff/discounts/new", data={"code": "X"}).status_code in (400, 403)
