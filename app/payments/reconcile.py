"""Reconciliation: keeping orders in step with their payments without any page doing it.

The worker runs `reconcile()` every few seconds (`flask worker`, or once with
`flask payments reconcile`). One pass:

1. expires orders whose hold has passed (the seat was already free to others);
2. closes at the provider the payments of orders that stopped waiting;
3. asks the provider about orders still waiting whose webhook is late, each at most
   every PAYMENT_STATUS_CHECK_SECONDS, and less often as the order ages.

Every step is safe to repeat and to run beside another worker: each order is moved
under its row lock, and the state table refuses a move that already happened.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.orders.batches import for_each_order
from app.orders.expiry import expire_overdue_orders
from app.orders.models import Order
from app.orders.moves import lock_order
from app.orders.states import OrderStatus
from app.payments.closing import release_pending_payments
from app.payments.provider import Outcome, PaymentProvider, PaymentProviderError
from app.payments.registry import providers_in_use
from app.payments.settlement import apply_payment_update
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reconciliation:
    expired: int
    closed: int
    checked: int
    settled: int


def _check_due(order: Order, now: datetime, every: timedelta) -> bool:
    """Whether to read this waiting payment at the provider now.

    At most every PAYMENT_STATUS_CHECK_SECONDS, and less often as the order ages (a
    twentieth of its age): an MB WAY request or a card just paid is read every few
    seconds, a Multibanco voucher days old every few hours, so many open vouchers never
    add up to a flood of reads at the provider.
    """
    age = now - as_utc(order.created_at)
    interval = max(every, age / 20)
    # Never read yet: the last change (the payment just started) gives the webhook its
    # first few seconds.
    last = order.provider_checked_at or order.updated_at or order.created_at
    return now - as_utc(last) >= interval


def _waiting_at(provider_name: str) -> list[uuid.UUID]:
    """The ids of orders waiting for a payment this provider started."""
    return list(
        db.session.scalars(
            select(Order.id).where(
                Order.status == OrderStatus.AWAITING_PAYMENT,
                Order.provider == provider_name,
                Order.provider_reference.is_not(None),
            )
        )
    )


def _read_late_payment(provider: PaymentProvider, order: Order, every: timedelta) -> bool:
    """Read one waiting payment at the provider if it is due; True when it was read."""
    if not _check_due(order, utcnow(), every):
        return False
    locked = lock_order(order.id)
    # Another worker may have read it, or it may have moved, since the list was made.
    if (
        locked is None
        or locked.status != OrderStatus.AWAITING_PAYMENT
        or not _check_due(locked, utcnow(), every)
    ):
        db.session.rollback()
        return False
    # Noted before asking, so a provider that hangs is not asked again at once.
    locked.provider_checked_at = utcnow()
    db.session.commit()
    try:
        update = provider.fetch_status(locked)
    except PaymentProviderError as exc:
        log.warning("order %s: could not read the payment (%s)", locked.id, exc)
        return True
    if update is not None and update.outcome != Outcome.PENDING:
        apply_payment_update(update)
    return True


def _check_at(provider: PaymentProvider, every: timedelta) -> tuple[list[uuid.UUID], int]:
    """Read the payments waiting at one provider; returns (their orders, how many read)."""
    if not provider.reads_status:
        return [], 0
    waiting = _waiting_at(provider.name)
    checked = for_each_order(
        waiting,
        lambda order: _read_late_payment(provider, order, every),
        "reading late payments",
    )
    return waiting, checked


def check_late_payments() -> tuple[int, int]:
    """Read waiting payments at their providers; returns (orders read, orders now settled)."""
    every = timedelta(seconds=current_app.config["PAYMENT_STATUS_CHECK_SECONDS"])
    waiting: list[uuid.UUID] = []
    checked = 0
    for provider in providers_in_use().providers:
        at_provider, read = _check_at(provider, every)
        waiting += at_provider
        checked += read
    if not waiting:
        return checked, 0
    settled = db.session.scalar(
        select(func.count(Order.id)).where(
            Order.id.in_(waiting), Order.status != OrderStatus.AWAITING_PAYMENT
        )
    )
    return checked, settled or 0


def reconcile() -> Reconciliation:
    """One reconciliation pass (see the module docstring)."""
    expired = expire_overdue_orders()
    closed = release_pending_payments()
    checked, settled = check_late_payments()
    return Reconciliation(expired=expired, closed=closed, checked=checked, settled=settled)
