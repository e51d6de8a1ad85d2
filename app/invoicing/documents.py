"""Keeping and finding the documents issued for an order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.invoicing.models import InvoiceDocument
from app.outbox.adapters.invoicing import CREDIT_NOTE, INVOICE, Issued
from app.timeutil import to_lisbon, utcnow

# The demo invoicer's series: clearly not a certified one.
DEMO_SERIES = {INVOICE: "DEMO FR", CREDIT_NOTE: "DEMO NC"}


@dataclass(frozen=True)
class Snapshot:
    """What the document says, as it was issued (kept as the law asks)."""

    order_id: uuid.UUID
    kind: str
    sequence: int
    amount_cents: int
    vat_cents: int
    vat_rate: Decimal
    description: str
    # Seats on the line; amount_cents is the line's total.
    quantity: int
    name: str
    nif: str | None
    address: str | None = None


def find_document(order_id: uuid.UUID, kind: str, sequence: int) -> InvoiceDocument | None:
    return db.session.scalar(
        select(InvoiceDocument).where(
            InvoiceDocument.order_id == order_id,
            InvoiceDocument.kind == kind,
            InvoiceDocument.sequence == sequence,
        )
    )


def documents_of(order_id: uuid.UUID) -> list[InvoiceDocument]:
    return list(
        db.session.scalars(
            select(InvoiceDocument)
            .where(InvoiceDocument.order_id == order_id)
            .order_by(InvoiceDocument.id)
        )
    )


def _demo_number(kind: str) -> str:
    year = to_lisbon(utcnow()).year
    count = db.session.scalar(
        select(func.count(InvoiceDocument.id)).where(InvoiceDocument.kind == kind)
    )
    return f"{DEMO_SERIES[kind]} {year}/{(count or 0) + 1}"


def record_document(snapshot: Snapshot, issued: Issued) -> InvoiceDocument:
    """Keep the issued document once (a second call for the same event finds the first).
    Commits: the outbox worker rolls its own session back after each delivery."""
    # A write transaction from the start: the demo's numbers count the documents already
    # made (two at once must not take one number), and on SQLite a read begun earlier in
    # the delivery would hold a snapshot too old to write from once the clock commits.
    begin_locking_transaction()
    existing = find_document(snapshot.order_id, snapshot.kind, snapshot.sequence)
    if existing is not None:
        return existing
    document = InvoiceDocument(
        order_id=snapshot.order_id,
        kind=snapshot.kind,
        sequence=snapshot.sequence,
        number=issued.number or _demo_number(snapshot.kind),
        provider=issued.provider,
        external_id=issued.external_id,
        pdf_url=issued.pdf_url,
        amount_cents=snapshot.amount_cents,
        vat_cents=snapshot.vat_cents,
        vat_rate=snapshot.vat_rate,
        description=snapshot.description,
        quantity=snapshot.quantity,
        name=snapshot.name,
        nif=snapshot.nif,
        address=snapshot.address,
    )
    db.session.add(document)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        found = find_document(snapshot.order_id, snapshot.kind, snapshot.sequence)
        if found is None:
            raise
        return found
    return document


def invoice_page(order_id: uuid.UUID) -> str | None:
    """The address of the order's invoice, once issued (for the confirmation email)."""
    document = find_document(order_id, INVOICE, 0)
    if document is None:
        return None
    return url_for("invoicing.document", token=document.public_token, _external=True)
