"""The InvoiceXpress adapter against a local HTTP double of its API: what we send, field
by field; one document per event even when a delivery fails half way; credit notes
correcting the invoice; errors handled like the other adapters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.invoicing.models import InvoiceDocument
from tests.http_doubles import InvoiceXpressDouble
from tests.integration.helpers import (
    deliver_until_settled,
    messages,
    only_order,
    outbox_settings,
    pay_by_demo_card,
)

API_KEY = "ix-test-key"


@pytest.fixture
def invoicexpress(app, db, outside_server, tmp_path) -> Iterator[InvoiceXpressDouble]:
    double = InvoiceXpressDouble(outside_server, API_KEY)
    settings = {
        "INVOICEXPRESS_ACCOUNT": "cafecomvendas",
        "INVOICEXPRESS_API_KEY": API_KEY,
        "INVOICEXPRESS_API_BASE": double.base_url,
        "MAIL_DIR": str(tmp_path / "mail"),
        "SMTP_URL": "",
        "OUTBOX_BACKOFF_SECONDS": 0.01,
    }
    with outbox_settings(app, **settings):
        yield double
    errors = list(outside_server.handler_errors)
    outside_server.clear()
    assert not errors, errors


def _deliver_all() -> None:
    """Until nothing waits (retries are due within milliseconds here)."""
    deliver_until_settled()


def _documents(db) -> list[InvoiceDocument]:
    db.session.expire_all()
    return list(db.session.scalars(select(InvoiceDocument).order_by(InvoiceDocument.id)))


def test_a_paid_order_is_invoiced_through_invoicexpress_field_by_field(client, db, invoicexpress):
    pay_by_demo_card(client, nif="123456789", name="Marta Costa", email="marta@example.pt")
    _deliver_all()
    [created] = invoicexpress.calls("POST", r"/invoice_receipts\.json")
    sent = created.json["invoice_receipt"]
    order = only_order()
    assert sent["reference"] == f"{order.id.hex[:8].upper()}-FR"
    assert sent["client"]["name"] == "Marta Costa"
    assert sent["client"]["fiscal_id"] == "123456789"
    assert sent["client"]["email"] == "marta@example.pt"
    [item] = sent["items"]
    assert item["tax"] == {"name": "IVA23"} and item["quantity"] == 1
    # 119.5122 * 1.23 = 147.00: InvoiceXpress adds the VAT back to the price paid.
    assert round(item["unit_price"] * 1.23, 2) == 147.00
    assert created.args["api_key"] == API_KEY
    assert invoicexpress.calls("PUT", r"/invoice_receipts/\d+/change-state\.json")
    assert invoicexpress.emailed == [(7001, "marta@example.pt")]
    [document] = _documents(db)
    assert (document.number, document.provider) == ("FR 2026/1", "invoicexpress")
    assert document.pdf_url.endswith("/7001.pdf")
    # Its page sends the buyer to the certified PDF.
    page = client.get(f"/invoice/{document.public_token}")
    assert page.status_code == 303 and page.headers["Location"] == document.pdf_url


def test_a_delivery_that_fails_half_way_never_makes_a_second_invoice(client, db, invoicexpress):
    invoicexpress.fail("GET", r"/api/pdf/\d+\.json", status=500)
    pay_by_demo_card(client, nif="123456789")
    _deliver_all()
    assert len(invoicexpress.calls("POST", r"/invoice_receipts\.json")) == 1
    assert len(invoicexpress.documents) == 1
    assert [d.number for d in _documents(db)] == ["FR 2026/1"]
    [message] = [m for m in messages("invoicing") if m.kind == "invoice"]
    assert message.status == "delivered" and message.attempts == 2


def test_a_refund_makes_a_credit_note_correcting_the_invoice(app, client, db, invoicexpress):
    pay_by_demo_card(client, nif="123456789")
    _deliver_all()
    order = only_order()
    result = CliRunner().invoke(app.cli, ["payments", "refund", str(order.id), "--amount", "47"])
    assert result.exit_code == 0, result.output
    _deliver_all()
    [note] = invoicexpress.calls("POST", r"/credit_notes\.json")
    body = note.json["credit_note"]
    assert int(body["owner_invoice_id"]) == 7001
    assert round(body["items"][0]["unit_price"] * 1.23, 2) == 47.00
    assert [d.kind for d in _documents(db)] == ["invoice", "credit_note"]
    assert _documents(db)[1].number == "NC 2026/1"


def test_a_refused_document_is_dead_and_a_busy_service_is_retried(client, db, invoicexpress):
    invoicexpress.fail("POST", r"/invoice_receipts\.json", status=429, times=2)
    pay_by_demo_card(client)
    _deliver_all()
    [message] = [m for m in messages("invoicing") if m.kind == "invoice"]
    assert message.status == "delivered" and message.attempts == 3
    invoicexpress.fail("POST", r"/invoice_receipts\.json", status=422)
    pay_by_demo_card(client, email="outra@example.pt")
    _deliver_all()
    dead = [m for m in messages("invoicing") if m.status == "dead"]
    assert len(dead) == 1 and "422" in dead[0].last_error


def test_two_tickets_are_one_line_of_two_at_the_unit_price(client, db, invoicexpress):
    two = {"quantity": "2", "attendees-0-name": "", "attendees-1-name": "Rita Gonçalves"}
    pay_by_demo_card(client, nif="123456789", **two)
    _deliver_all()
    [created] = invoicexpress.calls("POST", r"/invoice_receipts\.json")
    [item] = created.json["invoice_receipt"]["items"]
    assert item["quantity"] == 2
    # Each seat's net price; InvoiceXpress adds the VAT back: 2 × 147.00.
    assert round(item["unit_price"] * 1.23, 2) == 147.00
    assert round(item["unit_price"] * 2 * 1.23, 2) == 294.00
    [document] = _documents(db)
    assert (document.quantity, document.amount_cents) == (2, 29400)
