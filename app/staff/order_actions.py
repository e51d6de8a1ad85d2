"""What the team may do to an order, each action recorded in the audit log with what it
changed. The checks that protect the buyer (a refund only of what was paid, a name by
the same rules as the checkout) live with the order; these add who and why."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from app.audit.log import Actor, record
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.orders.models import Order
from app.orders.moves import lock_order
from app.orders.notifications import confirmation_resent
from app.orders.states import OrderStatus
from app.orders.ticket_mail import queue_attendee_ticket
from app.orders.tickets import SEAT_REFUNDED, SEAT_REFUNDING, Ticket
from app.outbox.models import OutboxMessage
from app.payments.closing import abandon_payment
from app.payments.provider import PaymentProviderError
from app.payments.refunds import record_transfer_refund, refund_order, refunds_by_transfer
from app.timeutil import utcnow


class ActionRefused(Exception):
    """The action does not apply to this order now; `code` names why for the page, and
    `count` how many tickets it concerns when the words need the number."""

    def __init__(self, code: str, count: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.count = count


def _locked(order_id) -> Order:  # type: ignore[no-untyped-def]
    order = lock_order(order_id)
    if order is None:
        db.session.rollback()
        raise ActionRefused("not_found")
    return order


def used_at_the_door(order: Order) -> int:
    """How many of the order's tickets still standing have let someone in."""
    return sum(1 for t in order.tickets if t.checked_in_at is not None and t.voided_at is None)


def _before_refund(order: Order, amount_cents: int | None) -> dict[str, object]:
    """What the audit keeps from before a refund; ActionRefused when none may be made."""
    if order.status != OrderStatus.PAID:
        raise ActionRefused("not_paid")
    left = order.amount_cents - order.refunded_cents
    if amount_cents is not None and amount_cents <= 0:
        raise ActionRefused("no_amount")
    if amount_cents is not None and amount_cents > left:
        raise ActionRefused("too_much")
    used = used_at_the_door(order)
    if used and (amount_cents is None or amount_cents >= left):
        # Refunding all that is left refunds the order, which voids every ticket and
        # frees every seat: a seat whose holder is already inside would be sold again.
        # A part of the amount (a goodwill gesture) voids nothing and stays possible.
        raise ActionRefused("tickets_used", used)
    return {"refunded_cents": order.refunded_cents, "status": order.status}


def refund(actor: Actor, order: Order, amount_cents: int | None) -> None:
    """Refund all that is left, or `amount_cents`, through the provider that took it."""
    before = _before_refund(order, amount_cents)
    asked = amount_cents or order.amount_cents - order.refunded_cents
    try:
        reference = refund_order(order, amount_cents)
    except PaymentProviderError as exc:
        db.session.rollback()
        raise ActionRefused("provider_refused") from exc
    record(
        actor,
        "order.refund",
        order_id=order.id,
        customer_id=order.customer_id,
        before=before,
        after={"asked_cents": asked, "provider_reference": reference},
    )
    db.session.commit()


def refund_by_transfer(actor: Actor, order: Order, amount_cents: int | None, transfer: str) -> None:
    """Record money the team sent back by bank transfer (all that is left, or `amount_cents`)."""
    before = _before_refund(order, amount_cents)
    try:
        recorded = record_transfer_refund(order, amount_cents)
    except PaymentProviderError as exc:
        db.session.rollback()
        raise ActionRefused("not_paid") from exc
    record(
        actor,
        "order.refund_transfer",
        order_id=order.id,
        customer_id=order.customer_id,
        before=before,
        after={"asked_cents": recorded, "transfer": transfer},
    )
    db.session.commit()


def seat_cents(order: Order) -> int:
    """What one seat of the order is refunded: the total split evenly across its seats,
    the last seat still valid taking the cents the split leaves over, so every seat
    refunded adds up to the total. Counted by seats, not by the refunded total, which a
    provider that confirms by webhook updates only later; never more than is left."""
    unit = order.amount_cents // order.quantity
    still_valid = [t for t in order.tickets if t.voided_at is None]
    share = unit if len(still_valid) > 1 else order.amount_cents - unit * (order.quantity - 1)
    return min(share, order.amount_cents - order.refunded_cents)


def _claim_seat(ticket_id: uuid.UUID, void: bool) -> bool:
    """Void (or, when the refund failed, restore) one ticket; commits. Only one of two
    members refunding the same seat at once claims it: the update is conditional."""
    # A write transaction from the start: SQLite would otherwise refuse, not wait for, a
    # writer that came first.
    begin_locking_transaction()
    query = update(Ticket).where(Ticket.id == ticket_id)
    if void:
        # Not checked in either: the door's check-in is the same kind of conditional
        # write (on a ticket not voided), so of a scan and a refund at once only one wins.
        query = query.where(Ticket.voided_at.is_(None), Ticket.checked_in_at.is_(None)).values(
            voided_at=utcnow(), void_reason=SEAT_REFUNDING
        )
    else:
        query = query.values(voided_at=None, void_reason=None)
    claimed = db.session.execute(query).rowcount == 1
    db.session.commit()
    return claimed


def _why_not_claimed(ticket_id: uuid.UUID) -> str:
    """Why the conditional claim changed no row: the seat was voided, or let in, first."""
    checked_in = db.session.scalar(select(Ticket.checked_in_at).where(Ticket.id == ticket_id))
    return "checked_in" if checked_in is not None else "ticket_void"


def refund_ticket(actor: Actor, order: Order, ticket_id: uuid.UUID, transfer: str = "") -> int:
    """Refund one seat (through the provider, or as a bank transfer the team records) and
    void its ticket; returns the cents refunded. The refund goes the usual way: the
    order's refunded total, the credit note, the buyer's email; the last seat refunds
    the order in full."""
    ticket = next((t for t in order.tickets if t.id == ticket_id), None)
    if ticket is None:
        raise ActionRefused("not_found")
    if order.status != OrderStatus.PAID or order.customer is None:
        raise ActionRefused("not_paid")
    if ticket.checked_in_at is not None and ticket.voided_at is None:
        # Its holder is inside: the seat is not free to sell again, nor its money owed.
        raise ActionRefused("checked_in")
    cents = seat_cents(order)
    before = {"ticket": ticket.ref, **_before_refund(order, cents)}
    # The seat is claimed first, so a second click or a second member refunds nothing.
    if not _claim_seat(ticket.id, void=True):
        raise ActionRefused(_why_not_claimed(ticket.id))
    try:
        if transfer:
            record_transfer_refund(order, cents)
            reference = f"transfer: {transfer}"
        else:
            reference = refund_order(order, cents)
    except PaymentProviderError as exc:
        db.session.rollback()
        _claim_seat(ticket.id, void=False)
        raise ActionRefused("provider_refused") from exc
    begin_locking_transaction()
    # The money went back: the seat is free again (for sale, or the waiting list's).
    db.session.execute(
        update(Ticket).where(Ticket.id == ticket.id).values(void_reason=SEAT_REFUNDED)
    )
    record(
        actor,
        "order.refund_ticket",
        order_id=order.id,
        customer_id=order.customer_id,
        before=before,
        after={"asked_cents": cents, "provider_reference": reference, "voided": ticket.ref},
    )
    db.session.commit()
    return cents


def resend_confirmation(actor: Actor, order: Order) -> int:
    """The buyer's confirmation and each attendee's own ticket again; returns how many
    emails were queued."""
    if order.status != OrderStatus.PAID or order.customer is None:
        raise ActionRefused("not_paid")
    queued = confirmation_resent(order)
    record(
        actor,
        "order.resend_confirmation",
        order_id=order.id,
        customer_id=order.customer_id,
        after={"emails_queued": queued},
    )
    db.session.commit()
    return queued


def correct_buyer(actor: Actor, order: Order, name: str, email: str) -> None:
    """Correct the name and email the order's messages go to (a typo at the checkout).
    The buyer's own seats (in the old name, without an address of their own) follow;
    a ticket given to someone else keeps its holder: change it on the ticket."""
    if order.customer is None:
        raise ActionRefused("erased")
    locked = _locked(order.id)
    before = {"name": locked.name_on_order, "email": locked.email_on_order}
    for ticket in locked.tickets:
        if ticket.attendee_name == locked.name_on_order and not ticket.attendee_email:
            ticket.attendee_name = name
    locked.buyer_name = name
    locked.attendee_email = None if email == locked.customer.email else email
    record(
        actor,
        "order.correct_buyer",
        order_id=locked.id,
        customer_id=locked.customer_id,
        before=before,
        after={"name": name, "email": email},
    )
    db.session.commit()


def _why_not_passed_on(ticket: Ticket | None) -> str | None:
    if ticket is None:
        return "not_found"
    if ticket.voided_at is not None:
        return "ticket_void"
    if ticket.checked_in_at is not None:
        # The person inside is the one the ticket names; the door's record stays true.
        return "holder_inside"
    return None


def change_ticket_holder(
    actor: Actor, order: Order, ticket_id: uuid.UUID, name: str, email: str
) -> bool:
    """Put one ticket in another person's name (and address): the ticket, the door's list
    and her own ticket email follow; the buyer's details stay. Its code stays as it is
    (a seat refunded is the way to stop a code). Returns whether it was emailed to her."""
    if order.status != OrderStatus.PAID or order.customer is None:
        raise ActionRefused("not_paid")
    locked = _locked(order.id)
    ticket = next((t for t in locked.tickets if t.id == ticket_id), None)
    refusal = _why_not_passed_on(ticket)
    if refusal:
        db.session.rollback()
        raise ActionRefused(refusal)
    assert ticket is not None  # _why_not_passed_on refuses a missing ticket
    before = {"ticket": ticket.ref, "name": ticket.attendee_name, "email": ticket.attendee_email}
    ticket.attendee_name, ticket.attendee_email = name, email or None
    sent = queue_attendee_ticket(locked, ticket, f"holder:{utcnow().isoformat()}")
    record(
        actor,
        "ticket.change_holder",
        order_id=locked.id,
        customer_id=locked.customer_id,
        before=before,
        after={"ticket": ticket.ref, "name": name, "email": email or None, "emailed": sent},
    )
    db.session.commit()
    return sent


def cancel_unpaid(actor: Actor, order: Order) -> None:
    """Cancel an order still waiting for its payment (closing it at the provider first)."""
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise ActionRefused("not_waiting")
    after = abandon_payment(order, reason="cancelled_by_staff", failure_reason="cancelled")
    if after.status == OrderStatus.AWAITING_PAYMENT:
        # The provider could not close it (or it is being paid): nothing changed.
        raise ActionRefused("provider_busy")
    record(
        actor,
        "order.cancel",
        order_id=order.id,
        customer_id=order.customer_id,
        before={"status": OrderStatus.AWAITING_PAYMENT.value},
        after={"status": after.status},
    )
    db.session.commit()


def mark_reviewed(actor: Actor, order: Order) -> None:
    locked = _locked(order.id)
    if locked.review_reason is None:
        db.session.rollback()
        raise ActionRefused("not_flagged")
    before = {"review_reason": locked.review_reason}
    locked.review_reason = None
    record(
        actor,
        "order.reviewed",
        order_id=locked.id,
        customer_id=locked.customer_id,
        before=before,
        after={"review_reason": None},
    )
    db.session.commit()


def applicable(order: Order) -> set[str]:
    """The actions that make sense for the order as it is now (the page offers only these)."""
    found = set()
    if order.status == OrderStatus.PAID and order.customer is not None:
        found |= {"resend", "buyer"}
        # Money goes back the way it came, or by a transfer the team records.
        found.add("refund_transfer" if refunds_by_transfer(order) else "refund")
    if order.status == OrderStatus.AWAITING_PAYMENT:
        found.add("cancel")
    if order.review_reason:
        found.add("review")
    return found


def messages_about_order(order: Order) -> list[OutboxMessage]:
    """What was sent about this order (and its buyer's lead) and how it went."""
    if order.customer_id is None:
        return []
    found = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.customer_id == order.customer_id)
        .order_by(OutboxMessage.id)
    )
    return [m for m in found if (m.payload or {}).get("order_id") in (None, str(order.id))]
