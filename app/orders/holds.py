"""Seat holds: an order waiting for its payment holds its seats until it expires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from app.catalog.models import Offer
from app.extensions import db
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.orders.tickets import SEAT_REFUNDED, Ticket
from app.timeutil import utcnow
from app.waitlist.services import people_waiting_count, seats_held_for_the_list_count


def holding(now: datetime) -> ColumnElement[bool]:
    """The condition of an order still holding its seat: waiting for its payment, inside
    its payment window. One definition for seats left, the open-orders cap and the
    back office's counts."""
    return (Order.status == OrderStatus.AWAITING_PAYMENT) & or_(
        Order.expires_at.is_(None), Order.expires_at > now
    )


def _refunded_alone(*columns: Any) -> Select[Any]:
    """`columns` over the seats of paid orders refunded one by one (their tickets voided):
    the order stays paid, but the seat is free again, for sale or for the waiting list.
    Only once the refund went through: a seat still being refunded may yet be restored."""
    return (
        select(*columns)
        .join(Order, Ticket.order_id == Order.id)
        .where(Order.status == OrderStatus.PAID, Ticket.void_reason == SEAT_REFUNDED)
    )


def seats_refunded_alone() -> dict[int, int]:
    """Per offer, the seats refunded one by one (see `_refunded_alone`)."""
    rows = db.session.execute(
        _refunded_alone(Order.offer_id, func.count(Ticket.id)).group_by(Order.offer_id)
    ).all()
    return {offer_id: int(count) for offer_id, count in rows}


def _seats_taken_count(offer_id: int, now: datetime) -> ColumnElement[int]:
    """Seats sold, held by orders still inside their payment window (an order takes as
    many as its quantity, less the seats refunded one by one), or held for a person on
    the waiting list until their deadline: one expression, so the count is one query."""
    by_orders = select(func.coalesce(func.sum(Order.quantity), 0)).where(
        Order.offer_id == offer_id,
        or_(Order.status == OrderStatus.PAID, holding(now)),
    )
    refunded = _refunded_alone(func.count(Ticket.id)).where(Order.offer_id == offer_id)
    for_the_list = seats_held_for_the_list_count(offer_id, now)
    return by_orders.scalar_subquery() - refunded.scalar_subquery() + for_the_list.scalar_subquery()


def seats_taken(offer_id: int) -> int:
    """Seats sold, held by an order waiting for its payment, or held for the waiting list."""
    return int(db.session.scalar(select(_seats_taken_count(offer_id, utcnow()))) or 0)


def seats_left(offer: Offer) -> int:
    """Seats still for sale on this offer, never below zero. A seat that frees up while
    people wait is theirs first (the clock offers it within a minute): until then it is
    not for sale, so it never goes to whoever reloads first.

    One round trip: the checkout counts under the offer's row lock, and every query made
    while holding it makes the next buyer wait longer."""
    taken, waiting = db.session.execute(
        select(
            _seats_taken_count(offer.id, utcnow()),
            people_waiting_count(offer.id).scalar_subquery(),
        )
    ).one()
    return max(0, offer.capacity - int(taken or 0) - int(waiting or 0))


def seats_free(offer: Offer) -> int:
    """Seats neither sold nor held by anyone: what the waiting list may be offered."""
    return max(0, offer.capacity - seats_taken(offer.id))
