"""The door: a ticket's code (scanned or typed) or a name found in the list lets one
person in, once.

Several phones check people in at the same time, so a ticket is admitted by one
conditional UPDATE (`... WHERE checked_in_at IS NULL`): the database lets exactly one of
them change the row, and the number of rows changed tells each phone whether it was the
one ("ok") or came second ("already"). Nothing is read-then-written. Each check-in and
each undo goes to the audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import joinedload

from app.audit.log import Actor, record
from app.catalog.models import Offer
from app.catalog.services import current_event
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.orders.tickets import Ticket
from app.staff.models import StaffMember
from app.tickets.codes import ref_of_code, ticket_code
from app.timeutil import utcnow
from app.web.input_rules import folded

# A check-in made by mistake (the wrong row tapped, a friend's ticket scanned twice)
# can be taken back this long after it was made; later only the owner's log says it.
UNDO_WINDOW = timedelta(minutes=5)
# Names found for one search: the door types a few letters, not a whole list.
MOST_FOUND = 20


@dataclass(frozen=True)
class DoorAnswer:
    """What the door shows after a code: `kind` is ok, already, void or unknown.

    `reason` says why a ticket is void (voided, refunded, unpaid, other_event); `by` is
    who checked an "already" ticket in (their email), None if that member is gone.
    """

    kind: str
    ticket: Ticket | None = None
    reason: str | None = None
    by: str | None = None

    @property
    def undo_until(self) -> datetime | None:
        if self.kind != "ok" or self.ticket is None or self.ticket.checked_in_at is None:
            return None
        return self.ticket.checked_in_at + UNDO_WINDOW


@dataclass(frozen=True)
class Counts:
    checked_in: int
    expected: int


@dataclass(frozen=True)
class FoundTicket:
    """A row of a name search: the ticket, its code (its button sends it) and its type."""

    ticket: Ticket
    name: str
    code: str
    offer_name: str


def _ticket(ref: str) -> Ticket | None:
    return db.session.scalar(
        select(Ticket).where(Ticket.ref == ref).options(joinedload(Ticket.order))  # type: ignore[attr-defined]
    )


def _why_void(ticket: Ticket) -> str | None:
    """Why the door turns this ticket away, or None if it admits someone."""
    admission = ticket.admission
    if admission == "void":
        return "voided" if ticket.voided_at is not None else "refunded"
    if admission == "unpaid":
        return "unpaid"
    event = current_event()
    order: Order = ticket.order  # type: ignore[attr-defined]
    if event is not None and order.offer.event_id != event.id:
        return "other_event"
    return None


def _member_email(staff_id: int | None) -> str | None:
    member = db.session.get(StaffMember, staff_id) if staff_id is not None else None
    return member.email if member is not None else None


def _admit(ticket: Ticket, staff_id: int | None) -> bool:
    """The one write that lets someone in: true only for the phone that changed the row.

    The paid order and the ticket not voided are in the WHERE too, so a refund that
    lands between the check above and this write is not let in either.
    """
    begin_locking_transaction()
    paid = exists().where(Order.id == Ticket.order_id, Order.status == OrderStatus.PAID)
    changed = db.session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket.id,
            Ticket.checked_in_at.is_(None),
            Ticket.voided_at.is_(None),
            paid,
        )
        .values(checked_in_at=utcnow(), checked_in_by=staff_id)
        .execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1  # type: ignore[attr-defined]


def check_in(code: str, actor: Actor) -> DoorAnswer:
    """Let the holder of `code` in, if the ticket is valid and nobody was let in on it."""
    ref = ref_of_code(code)
    ticket = _ticket(ref) if ref else None
    if ticket is None:
        return DoorAnswer("unknown")
    # A second try only if an undo on another phone slipped in between the write that
    # found the ticket taken and the read of who took it.
    for _attempt in range(2):
        reason = _why_void(ticket)
        if reason:
            return DoorAnswer("void", ticket, reason)
        if _admit(ticket, actor.staff_id):
            return _admitted(ticket, actor)
        db.session.rollback()
        ticket = _ticket(ticket.ref)
        assert ticket is not None  # tickets are never deleted while their order stands
        if ticket.checked_in_at is not None and not _why_void(ticket):
            return DoorAnswer("already", ticket, by=_member_email(ticket.checked_in_by))
    return DoorAnswer("void", ticket, _why_void(ticket) or "voided")


def _admitted(ticket: Ticket, actor: Actor) -> DoorAnswer:
    """Record the check-in just written, in its transaction, and commit both."""
    order: Order = ticket.order  # type: ignore[attr-defined]
    record(
        actor,
        "ticket.checkin",
        order_id=order.id,
        customer_id=order.customer_id,
        after={"ticket": ticket.ref, "seat": ticket.position},
    )
    db.session.commit()
    return DoorAnswer("ok", ticket)


def undo_check_in(ref: str, actor: Actor) -> Ticket:
    """Take back a check-in made less than UNDO_WINDOW ago; UndoRefused otherwise."""
    ticket = _ticket(ref)
    if ticket is None or ticket.checked_in_at is None:
        raise UndoRefused("not_checked_in")
    before = {
        "ticket": ticket.ref,
        "checked_in_at": ticket.checked_in_at.isoformat(timespec="seconds"),
        "checked_in_by": _member_email(ticket.checked_in_by),
    }
    begin_locking_transaction()
    # The window is checked by the same write that undoes, so a late tap changes nothing.
    changed = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.checked_in_at > utcnow() - UNDO_WINDOW)
        .values(checked_in_at=None, checked_in_by=None)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise UndoRefused("too_late")
    order: Order = ticket.order  # type: ignore[attr-defined]
    record(
        actor,
        "ticket.checkin_undo",
        order_id=order.id,
        customer_id=order.customer_id,
        before=before,
        after={"ticket": ticket.ref, "checked_in_at": None},
    )
    db.session.commit()
    return ticket


class UndoRefused(Exception):
    """The check-in cannot be taken back; `code` says why (too_late, not_checked_in)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _valid_tickets_of_event():  # type: ignore[no-untyped-def]
    """Tickets that admit someone to the event on sale: paid, not voided."""
    event = current_event()
    query = (
        select(Ticket)
        .join(Order, Order.id == Ticket.order_id)
        .join(Offer, Offer.id == Order.offer_id)
        .where(Order.status == OrderStatus.PAID, Ticket.voided_at.is_(None))
    )
    return query.where(Offer.event_id == event.id) if event is not None else query


def counts() -> Counts:
    """How many are in, of how many valid tickets."""
    valid = _valid_tickets_of_event().subquery()
    expected = db.session.scalar(select(func.count()).select_from(valid)) or 0
    checked_in = (
        db.session.scalar(
            select(func.count()).select_from(valid).where(valid.c.checked_in_at.is_not(None))
        )
        or 0
    )
    return Counts(checked_in=int(checked_in), expected=int(expected))


def find_by_name(typed: str) -> list[FoundTicket]:
    """Valid tickets whose attendee's name holds every word typed, sorted by name.

    Names are encrypted at rest, so the database cannot search them: the event's
    tickets (a few hundred) are read and matched here.
    """
    words = folded(typed).split()
    if not words or len("".join(words)) < 2:
        return []
    tickets = db.session.scalars(
        _valid_tickets_of_event().options(
            joinedload(Ticket.order).joinedload(Order.offer)  # type: ignore[attr-defined]
        )
    ).unique()
    found = []
    for ticket in tickets:
        name = ticket.attendee_name or ""
        if all(word in folded(name) for word in words):
            offer = ticket.order.offer  # type: ignore[attr-defined]
            found.append(
                FoundTicket(ticket, name, ticket_code(ticket.ref), offer.localized_name("pt_PT"))
            )
    found.sort(key=lambda row: (folded(row.name), row.ticket.ref))
    return found[:MOST_FOUND]


def checked_in_by(ticket: Ticket) -> str | None:
    """Who let this ticket in (their email), for the list and the "already" answer."""
    return _member_email(ticket.checked_in_by)
