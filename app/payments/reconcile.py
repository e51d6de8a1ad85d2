"""Reconciliation: keeping orders in step with their payments without any page doing it.

The worker runs `reconcile()` every few seconds (`flask worker`, or once with
`flask payments reconcile`). One pass:

1. expires orders whose hold has passed (the seat was already free to others);
2. closes at the provider the payments of orders that stopped waiting;
3. asks the provider about orders still waiting whose webhook is late, each at most
   every PAYMENT_STATUS_CHECK_SECONDS.

Every step is safe to repeat and to run beside another worker: each order is moved
under its row lock, and the state table refuses a move that already happened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select

from app.extensions import db
from app.orders.expiry import expire_overdue_orders
from app.orders.models import Order
from app.orders.moves import lock_order
from app.orders.states import OrderStatus
from app.payments.closing import release_pending_payments
from app.payments.provider import Outcome, PaymentProviderError
from app.payments.registry import get_provider
from app.payments.settlement import apply_payment_update
from app.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reconciliation:
    expired: int
    closed: int
    checked: int
    settled: int


def _due_for_a_check(provider_name: str) -> list[Order]:
    """Orders waiting on this provider whose last check (or last change) is old enough."""
    every = timedelta(seconds=current_app.config["PAYMENT_STATUS_CHECK_SECONDS"])
    before = utcnow() - every
    return list(
        db.session.scalars(
            select(Order).where(
                Order.status == OrderStatus.AWAITING_PAYMENT,
                Order.provider == provider_name,
                Order.provider_reference.is_not(None),
                # The last read, or (never read yet) the last change: a payment just
                # started or just moved gets its webhook a few seconds' chance first.
                or_(
                    Order.provider_checked_at <= before,
                    and_(Order.provider_checked_at.is_(None), Order.updated_at <= before),
                ),
            )
        )
    )


def check_late_payments() -> tuple[int, int]:
    """Read waiting payments at the provider; returns (orders checked, orders it settled)."""
    provider = get_provider()
    if not provider.reads_status:
        return 0, 0
    checked = settled = 0
    for order in _due_for_a_check(provider.name):
        locked = lock_order(order.id)
        if locked is None or locked.status != OrderStatus.AWAITING_PAYMENT:
            db.session.rollback()
            continue
        # Noted before asking, so a provider that hangs is not asked again at once.
        locked.provider_checked_at = utcnow()
        db.session.commit()
        checked += 1
        try:
            update = provider.fetch_status(locked)
        except PaymentProviderError as exc:
            log.warning("order %s: could not read the payment (%s)", locked.id, exc)
            continue
        if update is not None and update.outcome != Outcome.PENDING:
            apply_payment_update(update)
            settled += 1
    return checked, settled


def reconcile() -> Reconciliation:
    """One reconciliation pass (see the module docstring)."""
    expired = expire_overdue_orders()
    closed = release_pending_payments()
    checked, settled = check_late_payments()
    return Reconciliation(expired=expired, closed=closed, checked=checked, settled=settled)
