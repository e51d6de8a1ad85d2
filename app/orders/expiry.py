"""Ending the seat hold of orders whose payment window has passed.

Pages never call this: they show an overdue order as expired (the seat is already free
for others, see `holds.seats_taken`) and the worker's reconciliation moves it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.orders.batches import for_each_order
from app.orders.models import Order
from app.orders.moves import commit_move
from app.orders.states import MoveRefused, OrderStatus
from app.timeutil import as_utc, utcnow


def is_overdue(order: Order) -> bool:
    """Still waiting for a payment whose window has already passed."""
    return hold_passed(order.status, order.expires_at)


def hold_passed(status: str, expires_at: datetime | None) -> bool:
    """An order in `status`, holding its seats until `expires_at`, is overdue now."""
    return (
        status == OrderStatus.AWAITING_PAYMENT
        and expires_at is not None
        and as_utc(expires_at) <= utcnow()
    )


def expire_if_overdue(order: Order) -> Order:
    """Move an overdue order to expired (commits); return it as it now stands."""
    if not is_overdue(order):
        return order
    try:
        # The provider may still take money for it: reconciliation closes it there.
        return commit_move(
            order.id,
            OrderStatus.EXPIRED,
            "payment_window_passed",
            release_pending=order.provider_reference is not None,
        )
    except MoveRefused:
        # Another process settled it first (paid or expired): read what it decided.
        db.session.rollback()
        db.session.refresh(order)
    return order


def expire_overdue_orders() -> int:
    """Expire every order whose payment window has passed; returns how many moved."""
    overdue = db.session.scalars(
        select(Order.id).where(
            Order.status == OrderStatus.AWAITING_PAYMENT, Order.expires_at <= utcnow()
        )
    ).all()
    return for_each_order(
        overdue,
        lambda order: expire_if_overdue(order).status == OrderStatus.EXPIRED,
        "expiring holds",
    )
