"""The documents issued for an order: its invoice-receipt and a credit note per refund.

What the law asks to keep with an invoice (who it was issued to, their NIF, the amounts)
is copied here when it is issued, encrypted, and kept for ORDER_RETENTION_YEARS even
after the buyer is erased.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.personal_data.encryption import EncryptedText
from app.timeutil import UTCDateTime, utcnow


def new_document_token() -> str:
    return secrets.token_urlsafe(24)


class InvoiceDocument(db.Model):
    __tablename__ = "invoice_documents"
    __table_args__ = (
        # One document per event, however often its delivery is retried.
        UniqueConstraint("order_id", "kind", "sequence", name="uq_invoice_documents_event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # invoice | credit_note
    # 0 for the invoice; for a credit note, the refunded total (cents) it brings the
    # order to, which names each refund step once.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    number: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    provider: Mapped[str] = mapped_column(String(24))
    external_id: Mapped[str | None] = mapped_column(String(64))
    pdf_url: Mapped[str | None] = mapped_column(String(1000))
    # The shop's own address for the document (the demo page, or a redirect to the PDF).
    public_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_document_token)
    amount_cents: Mapped[int] = mapped_column(Integer)
    vat_cents: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    description: Mapped[str] = mapped_column(String(200))
    # Seats on the document's line (amount_cents is the line's total).
    quantity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    name: Mapped[str] = mapped_column(EncryptedText("invoice_documents.name"))
    nif: Mapped[str | None] = mapped_column(EncryptedText("invoice_documents.nif"))
    # "street, postcode city" for a company invoice; None otherwise.
    address: Mapped[str | None] = mapped_column(EncryptedText("invoice_documents.address"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
