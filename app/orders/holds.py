"""Seat holds: an order waiting for its payment holds its seats until it expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select

from app.catalog.models import Offer
from app.extensions import db
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.orders.tickets import SEAT_REFUNDED, Ticket
from app.timeutil import utcnow
from app.waitlist.services import people_waiting, seats_held_for_the_list


def holding(now: datetime) -> ColumnElement[bool]:
    """The condition of an order still holding its seat: waiting for its payment, inside
    its payment window. One definition for seats left, the open-orders cap and the
    back office's counts."""
    return (Order.status == OrderStatus.AWAITING_PAYMENT) & or_(
        Order.expires_at.is_(None), Order.expires_at > now
    )


def seats_refunded_alone() -> dict[int, int]:
    """Per offer, the seats of paid orders refunded one by one (their tickets voided):
    the order stays paid, but the seat is free again, for sale or for the waiting list.
    Only once the refund went through: a seat still being refunded may yet be restored."""
    rows = db.session.execute(
        select(Order.offer_id, func.count(Ticket.id))
        .join(Order, Ticket.order_id == Order.id)
        .where(Order.status == OrderStatus.PAID, Ticket.void_reason == SEAT_REFUNDED)
        .group_by(Order.offer_id)
    ).all()
    return {offer_id: int(count) for offer_id, count in rows}


def seats_taken(offer_id: int) -> int:
    """Seats sold, held by orders still inside their payment window (an order takes as
    many as its quantity, less the seats refunded one by one), or held for a person on
    the waiting list until their deadline."""
    now = utcnow()
    by_orders = db.session.scalar(
        select(func.sum(Order.quantity)).where(
            Order.offer_id == offer_id,
            or_(Order.status == OrderStatus.PAID, holding(now)),
        )
    )
    refunded = seats_refunded_alone().get(offer_id, 0)
    return (by_orders or 0) - refunded + seats_held_for_the_list(offer_id, now)


def seats_left(offer: Offer) -> int:
    """Seats still for sale on this offer, never below zero. A seat that frees up while
    people wait is theirs first (the clock offers it within a minute): until then it is
    not for sale, so it never goes to whoever reloads first."""
    return max(0, offer.capacity - seats_taken(offer.id) - people_waiting(offer.id))


def seats_free(offer: Offer) -> int:
    """Seats neither sold nor held by anyone: what the waiting list may be offered."""
    return max(0, offer.capacity - seats_taken(offer.id))
