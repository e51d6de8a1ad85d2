"""An order's tickets as people are shown them: on the attendee page, the printable
tickets, the emails and the back office. One place decides each ticket's code and whether
it still admits anyone, so no page can show a QR for a seat that was refunded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from app.orders.models import Order
from app.orders.tickets import Ticket
from app.tickets.codes import ticket_code
from app.tickets.qr import qr_png, qr_svg


@dataclass(frozen=True)
class TicketCard:
    id: uuid.UUID
    position: int
    code: str
    # "" once the buyer was erased.
    attendee_name: str
    attendee_email: str | None
    # "valid", "void" or "unpaid" (Ticket.admission).
    admission: str
    voided_at: datetime | None
    void_reason: str | None
    checked_in_at: datetime | None

    @property
    def shows_qr(self) -> bool:
        """Only a ticket that admits someone is drawn as a QR: a void or unpaid one is not."""
        return self.admission == "valid"

    def svg(self, title: str) -> Markup:
        return qr_svg(self.code, title)

    def png(self) -> bytes:
        return qr_png(self.code)

    @property
    def image_cid(self) -> str:
        """The Content-ID of its QR in an email (the same on a retry of that email)."""
        return f"ticket-{self.code}@cafecomvendas.pt"


def card_of(ticket: Ticket) -> TicketCard:
    return TicketCard(
        id=ticket.id,
        position=ticket.position,
        code=ticket_code(ticket.ref),
        attendee_name=ticket.attendee_name or "",
        attendee_email=ticket.attendee_email,
        admission=ticket.admission,
        voided_at=ticket.voided_at,
        void_reason=ticket.void_reason,
        checked_in_at=ticket.checked_in_at,
    )


def ticket_cards(order: Order) -> list[TicketCard]:
    """The order's tickets in seat order."""
    return [card_of(ticket) for ticket in order.tickets]
