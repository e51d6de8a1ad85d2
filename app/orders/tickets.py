"""A ticket is one seat of an order: who sits in it, its code, and what the door did with it.

Tickets are written with the order (one per seat), so the names typed at checkout are kept
in one place. A ticket admits someone only while its order is paid and the ticket itself
was not voided (`Ticket.admission` says which).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.orders.states import OrderStatus
from app.personal_data.encryption import EncryptedText
from app.tickets.codes import REF_LENGTH, new_ticket_ref
from app.timeutil import UTCDateTime, utcnow

# Why a ticket was voided, kept on the ticket (the door and the pages say it in words).
# A seat refunded alone is "refunding" while the provider is asked (the door already
# turns it away, but the seat is not for sale yet: a refused refund restores the ticket)
# and "refunded" once the money went back (the seat is free again).
SEAT_REFUNDING = "refunding"
SEAT_REFUNDED = "refunded"


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("order_id", "position", name="uq_tickets_order_position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    # 1 for the first seat of the order, 2 for the second...
    position: Mapped[int] = mapped_column(Integer)
    # The first half of the code shown on the ticket (the second is its signature).
    ref: Mapped[str] = mapped_column(String(REF_LENGTH), unique=True, default=new_ticket_ref)
    # Encrypted: they are a person's. None once the buyer is erased.
    attendee_name: Mapped[str | None] = mapped_column(EncryptedText("tickets.attendee_name"))
    attendee_email: Mapped[str | None] = mapped_column(EncryptedText("tickets.attendee_email"))
    # Set when this seat alone was refunded or cancelled: the door turns it away.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(String(64))
    # The first scan at the door; cleared by an undo within a few minutes.
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def admission(self) -> str:
        """What the door makes of this ticket: "valid" (paid, not voided), "void"
        (refunded or cancelled) or "unpaid" (its order never paid). `order` is the
        backref declared on Order, which owns its tickets."""
        order = self.order  # type: ignore[attr-defined]
        if self.voided_at is not None or order.status == OrderStatus.REFUNDED:
            return "void"
        if order.status == OrderStatus.PAID:
            return "valid"
        return "unpaid"
