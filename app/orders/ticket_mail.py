"""Tickets in emails: each ticket's QR as an inline PNG beside its code, and a ticket of
its own for each attendee the buyer gave an email for.

The buyer's confirmation carries every ticket of the order (they may forward them); an
attendee with their own address gets one email with only their ticket, queued through the
outbox like every message (retried, and composed from the ticket as it then stands, so a
seat refunded meanwhile is never sent).
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage

from flask_babel import gettext as _

from app.catalog.calendar import event_ics
from app.extensions import db
from app.orders.models import Order
from app.orders.ticket_cards import TicketCard, card_of, ticket_cards
from app.orders.tickets import Ticket
from app.outbox.errors import NothingToSend
from app.outbox.mail import mark_language, new_email, write_body
from app.outbox.models import OutboxMessage
from app.outbox.services import enqueue
from app.web.i18n import speaking


def _own_address(ticket: Ticket, order: Order) -> bool:
    """Whether the ticket goes to someone other than the buyer (who has them all)."""
    email = (ticket.attendee_email or "").strip().casefold()
    return bool(email) and email != (order.email_on_order or "").strip().casefold()


def queue_attendee_ticket(order: Order, ticket: Ticket, base_key: str) -> bool:
    """The ticket to its holder, if she has an address of her own and it still stands;
    returns whether it was queued. The caller commits."""
    # A seat refunded alone admits nobody: its holder is not sent it (again).
    if ticket.voided_at is not None or not _own_address(ticket, order):
        return False
    enqueue(
        "email",
        "attendee_ticket",
        {"order_id": str(order.id), "ticket_id": str(ticket.id)},
        f"{base_key}:ticket:{ticket.id}",
        order.customer_id,
    )
    return True


def queue_attendee_tickets(order: Order, base_key: str) -> int:
    """One email per attendee with an address of their own whose ticket still stands;
    returns how many were queued. The caller commits."""
    return sum(queue_attendee_ticket(order, ticket, base_key) for ticket in order.tickets)


def valid_cards(order: Order) -> list[TicketCard]:
    """The tickets an email may carry: those that admit someone."""
    return [card for card in ticket_cards(order) if card.shows_qr]


def attach_qr_images(email: EmailMessage, cards: list[TicketCard]) -> None:
    """Each ticket's QR as a PNG inside the HTML part (shown in place by its Content-ID,
    and saved as a file by mail apps that list attachments)."""
    html = email.get_body(preferencelist=("html",))
    assert html is not None, "write_body makes an HTML part first"
    for card in cards:
        html.add_related(
            card.png(),
            maintype="image",
            subtype="png",
            cid=f"<{card.image_cid}>",
            filename=f"bilhete-{card.code}.png",
            disposition="inline",
        )


def _ticket_of(message: OutboxMessage) -> Ticket:
    ticket = db.session.get(Ticket, uuid.UUID(message.payload["ticket_id"]))
    if ticket is None:
        raise NothingToSend(f"ticket {message.payload['ticket_id']} no longer exists")
    return ticket


def compose_attendee_ticket(message: OutboxMessage) -> EmailMessage:
    """An attendee's own ticket: the QR, the code, the event and its calendar invite."""
    ticket = _ticket_of(message)
    order: Order = ticket.order  # type: ignore[attr-defined]
    if order.customer is None or not ticket.attendee_email:
        raise NothingToSend("the buyer was erased, and the attendee's address with them")
    card = card_of(ticket)
    if not card.shows_qr:
        raise NothingToSend(f"ticket {ticket.id} admits nobody ({card.admission})")
    event = order.offer.event
    with speaking(order.locale):
        subject = _("Your ticket for %(event)s", event=event.text("title", order.locale))
        email = new_email(message, card.attendee_name, ticket.attendee_email, subject)
        write_body(
            email,
            "attendee_ticket",
            order=order,
            event=event,
            lang=order.locale,
            ticket=card,
            buyer_name=order.name_on_order,
        )
        invite = event_ics(event, order.locale, uid=f"{event.slug}-{ticket.id}@cafecomvendas.pt")
    attach_qr_images(email, [card])
    attach_invite(email, event.slug, invite)
    return mark_language(email, order.locale)


def attach_invite(email: EmailMessage, event_slug: str, invite: str) -> None:
    """The event's calendar invite (.ics), which phones offer to add to the calendar."""
    email.add_attachment(
        invite,
        maintype="text",
        subtype="calendar",
        filename=f"{event_slug}.ics",
        params={"method": "PUBLISH", "charset": "utf-8"},
    )


COMPOSERS = {("email", "attendee_ticket"): compose_attendee_ticket}
