"""Composing the invoicing service's letters at delivery: the invoice-receipt for a paid
order, a credit note for each refund step. Queued by orders (`order_paid`,
`order_refunded`); each document is issued once, however often delivery is retried."""

from __future__ import annotations

import uuid
from functools import partial

from sqlalchemy import func, select

from app.extensions import db
from app.invoicing.documents import Snapshot, find_document, record_document
from app.invoicing.models import InvoiceDocument
from app.money import format_money, vat_included
from app.orders.models import Order
from app.orders.pricing import Line, line_of
from app.outbox.adapters.invoicing import CREDIT_NOTE, INVOICE, InvoiceLine, InvoiceRequest
from app.outbox.errors import DeliveryFailed, NothingToSend
from app.outbox.models import OutboxMessage
from app.timeutil import to_lisbon, utcnow

# Who an invoice goes to when the buyer gave no name we may keep (an erased buyer).
FINAL_CONSUMER = "Consumidor final"


def _order(message: OutboxMessage) -> Order:
    order = db.session.get(Order, uuid.UUID(message.payload["order_id"]))
    if order is None:
        raise NothingToSend("the order no longer exists")
    return order


def _line(order: Order, cents: int) -> Line:
    """The document's line: seats × the unit price the order was placed at (the invoice,
    or a credit note for whole seats), else one line of the amount."""
    whole = line_of(order.amount_cents, order.quantity)
    if whole.quantity > 1 and cents % whole.unit_cents == 0:
        return Line(quantity=cents // whole.unit_cents, unit_cents=whole.unit_cents)
    return Line(quantity=1, unit_cents=cents)


def line_description(order: Order) -> str:
    """The invoice line: the ticket, and with a code the discount it gave, stated in words
    (the line's price is already the discounted one, so the sums stay exact to the cent)."""
    name = order.offer.localized_name("pt_PT")
    if not order.discount_cents:
        return name
    discount = format_money(order.discount_cents, "pt_PT")
    return f"{name}, com desconto de {discount} (código {order.coupon_code})"


def _letter(
    order: Order, kind: str, sequence: int, cents: int, corrects: str | None
) -> InvoiceRequest:
    offer = order.offer
    reference = f"{order.id.hex[:8].upper()}-{'FR' if kind == INVOICE else f'NC{sequence}'}"
    description = line_description(order)
    # A company invoice goes to the company; otherwise to the buyer (or the final consumer).
    name = order.company_name or order.name_on_order or FINAL_CONSUMER
    street, postcode, city = (order.company_address or "\n\n").split("\n", 2)
    line = _line(order, cents)
    snapshot = Snapshot(
        order_id=order.id,
        kind=kind,
        sequence=sequence,
        amount_cents=cents,
        vat_cents=vat_included(cents, offer.vat_rate),
        vat_rate=offer.vat_rate,
        description=description,
        quantity=line.quantity,
        name=name,
        nif=order.billing_nif,
        address=", ".join(part for part in (street, f"{postcode} {city}".strip()) if part) or None,
    )
    return InvoiceRequest(
        kind=kind,
        reference=reference,
        issued_on=to_lisbon(utcnow()).date(),
        name=name,
        nif=order.billing_nif,
        address=street,
        postcode=postcode,
        city=city,
        email=order.email_on_order,
        lines=(InvoiceLine(description, line.quantity, line.unit_cents, offer.vat_rate),),
        corrects=corrects,
        record=partial(record_document, snapshot),
    )


def compose_invoice(message: OutboxMessage) -> InvoiceRequest:
    """The invoice-receipt (fatura-recibo) of a paid order."""
    order = _order(message)
    if find_document(order.id, INVOICE, 0) is not None:
        raise NothingToSend("the invoice was already issued")
    return _letter(order, INVOICE, 0, order.amount_cents, None)


def compose_credit_note(message: OutboxMessage) -> InvoiceRequest:
    """A credit note for one refund step: from the refunded total before it to this one."""
    order = _order(message)
    refunded = int(message.payload["refunded_cents"])
    if find_document(order.id, CREDIT_NOTE, refunded) is not None:
        raise NothingToSend("the credit note was already issued")
    invoice = find_document(order.id, INVOICE, 0)
    if invoice is None:
        # Queued after the invoice, but that one may still be waiting for the service.
        raise DeliveryFailed("the invoice it corrects is not issued yet")
    before = db.session.scalar(
        select(func.max(InvoiceDocument.sequence)).where(
            InvoiceDocument.order_id == order.id,
            InvoiceDocument.kind == CREDIT_NOTE,
            InvoiceDocument.sequence < refunded,
        )
    )
    cents = refunded - int(before or 0)
    return _letter(order, CREDIT_NOTE, refunded, cents, invoice.external_id or invoice.number)


COMPOSERS = {
    ("invoicing", "invoice"): compose_invoice,
    ("invoicing", "credit_note"): compose_credit_note,
}
