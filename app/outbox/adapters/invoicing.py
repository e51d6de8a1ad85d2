"""Invoicing: the letter a certified invoicing service is asked to issue, and the demo
invoicer that stands in for one on the embedded default.

The letter carries `record`, the feature's own way of keeping what was issued (the
document's number, date and PDF): the adapter calls it once the document exists, and
it commits by itself, since the worker rolls its session back after each delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.outbox.models import OutboxMessage

INVOICE, CREDIT_NOTE = "invoice", "credit_note"


@dataclass(frozen=True)
class InvoiceLine:
    name: str
    quantity: int
    # With VAT, as the buyer paid it; the service derives the net from the rate.
    unit_gross_cents: int
    vat_rate: Decimal
    # The legal reason for 0 % VAT (e.g. M07), empty otherwise.
    exemption_code: str = ""


@dataclass(frozen=True)
class Issued:
    """What the service made: its number, its own id and where its PDF is."""

    provider: str
    number: str | None
    external_id: str | None = None
    pdf_url: str | None = None


@dataclass(frozen=True)
class InvoiceRequest:
    kind: str  # INVOICE (an invoice-receipt, fatura-recibo) or CREDIT_NOTE
    # Ours and unique per document: the service is asked for it before anything is made,
    # so a retried delivery never issues twice.
    reference: str
    issued_on: date
    name: str
    # None for a buyer without one: "consumidor final".
    nif: str | None
    address: str
    postcode: str
    city: str
    email: str
    lines: tuple[InvoiceLine, ...]
    # For a credit note: the service's id of the invoice it corrects.
    corrects: str | None
    record: Callable[[Issued], None]


class DemoInvoicer:
    """Without an invoicing service: the document is the shop's own demonstration page
    ("sem validade fiscal"), numbered by the shop, so the flow is visible end to end."""

    channel = "invoicing"

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @property
    def enabled(self) -> bool:
        return True

    def deliver(self, message: OutboxMessage, letter: InvoiceRequest) -> None:
        letter.record(Issued(provider="demo", number=None))
