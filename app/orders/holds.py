"""Seat holds: an order waiting for its payment holds its seats until it expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select

from app.catalog.models import Offer
from app.extensions import db
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.timeutil import utcnow


def holding(now: datetime) -> ColumnElement[bool]:
    """The condition of an order still holding its seat: waiting for its payment, inside
    its payment window. One definition for seats left, the open-orders cap and the
    back office's counts."""
    return (Order.status == OrderStatus.AWAITING_PAYMENT) & or_(
        Order.expires_at.is_(None), Order.expires_at > now
    )


def seats_taken(offer_id: int) -> int:
    """Seats sold, or held by orders still inside their payment window (an order takes
    as many as its quantity)."""
    return (
        db.session.scalar(
            select(func.sum(Order.quantity)).where(
                Order.offer_id == offer_id,
                or_(Order.status == OrderStatus.PAID, holding(utcnow())),
            )
        )
        or 0
    )


def seats_left(offer: Offer) -> int:
    """Seats still for sale on this offer, never below zero."""
    return max(0, offer.capacity - seats_taken(offer.id))


def seats_taken_by_offer() -> dict[int, int]:
    """Seats sold or held, for every offer at once (one query for a page listing them)."""
    rows = db.session.execute(
        select(Order.offer_id, func.sum(Order.quantity))
        .where(or_(Order.status == OrderStatus.PAID, holding(utcnow())))
        .group_by(Order.offer_id)
    ).all()
    return {offer_id: int(taken or 0) for offer_id, taken in rows}
