"""Invoices on the embedded default: a paid order gets an invoice-receipt, each refund a
credit note, each exactly once however often delivery is retried; the documents are
linked from the attendee and order pages, and kept (encrypted) after an erasure."""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import select, text

from app.invoicing.models import InvoiceDocument
from app.outbox.models import OutboxMessage
from app.outbox.services import retry_now
from app.outbox.worker import run_once
from app.privacy.erasure import erase_person
from tests.integration.helpers import (
    checkout_data,
    fresh,
    messages,
    only_order,
    outbox_settings,
    pay_by_demo_card,
    read_eml,
)


def _link(page: str, attribute: str) -> str:
    match = re.search(rf'<a href="([^"]+)" {attribute}>', page)
    assert match, f"no {attribute} link"
    return match.group(1)


def _deliver() -> None:
    while run_once():
        pass


def test_a_paid_order_gets_one_demo_invoice_linked_from_its_pages(app, client, db):
    pay_by_demo_card(client, nif="123456789")
    _deliver()
    order = fresh(only_order())
    attendee = client.get(f"/attendee/{order.attendee_token}").get_data(as_text=True)
    document = client.get(_link(attendee, "data-invoice"))
    assert document.status_code == 200
    page = document.get_data(as_text=True)
    assert "123456789" in page and "23" in page and "147,00" in page
    assert "Documento de demonstração — sem validade fiscal" in page
    assert "no-store" in document.headers["Cache-Control"]
    # Delivered again (a worker that crashed after issuing): still one document.
    [message] = [m for m in messages("invoicing") if m.kind == "invoice"]
    db.session.add(message)
    message.status = "dead"
    retry_now(message)
    db.session.commit()
    _deliver()
    assert len(db.session.scalars(select(InvoiceDocument)).all()) == 1


def test_the_confirmation_email_links_the_invoice(app, client, db, tmp_path):
    with outbox_settings(app, MAIL_DIR=str(tmp_path), SMTP_URL=""):
        pay_by_demo_card(client, nif="123456789")
        _deliver()
    [mail] = read_eml(tmp_path)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    [document] = db.session.scalars(select(InvoiceDocument)).all()
    assert f"A sua fatura: http://shop.test/invoice/{document.public_token}" in text


def test_each_refund_step_gets_its_own_credit_note(app, client, db):
    pay_by_demo_card(client, nif="123456789")
    _deliver()
    order = only_order()
    runner = CliRunner()
    for amount in ("50.00", "97.00"):
        result = runner.invoke(app.cli, ["payments", "refund", str(order.id), "--amount", amount])
        assert result.exit_code == 0, result.output
        _deliver()
    notes = db.session.scalars(
        select(InvoiceDocument).where(InvoiceDocument.kind == "credit_note")
    ).all()
    assert sorted(n.amount_cents for n in notes) == [5000, 9700]
    page = client.get(f"/order/{order.public_token}").get_data(as_text=True)
    assert page.count("data-credit-note") == 2
    assert client.get(_link(page, "data-credit-note")).status_code == 200


def test_the_invoice_data_stays_after_the_buyer_is_erased(app, client, db):
    pay_by_demo_card(client, nif="123456789", name="Joana Prata")
    _deliver()
    order = only_order()
    erase_person(order.customer_id, notify=False, reason="test")
    db.session.expire_all()
    [document] = db.session.scalars(select(InvoiceDocument)).all()
    assert (document.name, document.nif) == ("Joana Prata", "123456789")
    raw = db.session.execute(text("select name, nif from invoice_documents")).one()
    assert "Joana" not in raw.name and "123456789" not in raw.nif
    assert fresh(order).customer_id is None
    assert not db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.customer_id.is_not(None))
    ).all()


def test_every_shop_page_links_the_complaints_book(client, db):
    for path in ("/", "/en/", "/checkout/bilhete-geral", "/terms", "/leads"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="https://www.livroreclamacoes.pt/"' in page, path


def test_the_terms_name_the_seller_the_withdrawal_exception_and_the_dispute_entity(client, db):
    pt = client.get("/terms").get_data(as_text=True)
    assert "Café com Vendas, Lda." in pt and "NIPC" in pt
    assert "Decreto-Lei n.º 24/2014" in pt
    assert "CNIACC" in pt and 'href="https://www.cniacc.pt/"' in pt
    assert "reembolso total até 14 dias" in pt
    en = client.get("/en/terms").get_data(as_text=True)
    assert "right of withdrawal" in en and "full refund up to 14 days" in en


def test_a_company_invoice_goes_to_the_company_with_its_nif_and_address(client, db):
    company = {
        "company_invoice": "y",
        "company_name": "Pastelaria Aurora, Lda.",
        "company_nif": "PT 509 442 013",
        "company_address": "Rua das Flores 12",
        "company_postcode": "4050-265",
        "company_city": "Porto",
    }
    refused = client.post(
        "/checkout/bilhete-geral",
        data=checkout_data(**{**company, "company_nif": "509442014", "company_postcode": "4050"}),
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Este NIF não é válido" in page and "1000-001" in page
    assert 'value="Pastelaria Aurora, Lda."' in page and 'value="Rua das Flores 12"' in page

    pay_by_demo_card(client, nif="123456789", **company)
    _deliver()
    [document] = db.session.scalars(select(InvoiceDocument)).all()
    assert (document.name, document.nif) == ("Pastelaria Aurora, Lda.", "509442013")
    assert document.address == "Rua das Flores 12, 4050-265 Porto"
    invoice = client.get(f"/invoice/{document.public_token}").get_data(as_text=True)
    assert "Pastelaria Aurora" in invoice and "509442013" in invoice and "4050-265" in invoice


def test_without_the_box_the_company_fields_are_ignored(client, db):
    pay_by_demo_card(client, company_name="Ignorada", company_nif="1", nif="")
    _deliver()
    [document] = db.session.scalars(select(InvoiceDocument)).all()
    assert document.nif is None and document.name == "João Conceição"
    assert "Consumidor final" in client.get(f"/invoice/{document.public_token}").get_data(
        as_text=True
    )
