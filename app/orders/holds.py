"""Seat holds: an order waiting for its payment holds one seat until it expires."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from app.catalog.models import Offer
from app.extensions import db
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.timeutil import utcnow


def seats_taken(offer_id: int) -> int:
    """Seats sold, or held by an order still inside its payment window."""
    now = utcnow()
    return (
        db.session.scalar(
            select(func.count(Order.id)).where(
                Order.offer_id == offer_id,
                or_(
                    Order.status == OrderStatus.PAID,
                    (Order.status == OrderStatus.AWAITING_PAYMENT)
                    & or_(Order.expires_at.is_(None), Order.expires_at > now),
                ),
            )
        )
        or 0
    )


def seats_left(offer: Offer) -> int:
    """Seats still for sale on this offer, never below zero."""
    return max(0, offer.capacity - seats_taken(offer.id))
