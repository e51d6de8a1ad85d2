"""Closing payments at the provider that the shop stopped waiting for.

An order whose hold ran out is marked `release_pending` until its payment is closed at
the provider (reconciliation does it); a buyer who chooses another way to pay closes the
current attempt first. If the provider says it was paid meanwhile, the order is paid.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.extensions import db
from app.orders.batches import for_each_order
from app.orders.models import Order
from app.orders.moves import lock_order, move
from app.orders.states import OrderStatus
from app.payments.provider import Outcome, PaymentProviderError, PaymentUpdate
from app.payments.registry import provider_of
from app.payments.settlement import apply_payment_update, settle_locked_order

log = logging.getLogger(__name__)


def _cancel_at_provider(order: Order) -> PaymentUpdate | None:
    """What closing the order's payment at the provider left it as; raises if unreachable."""
    provider = provider_of(order)
    # An order made under a provider the shop no longer uses (it switched from the demo
    # to Stripe) has nothing any of today's providers could close.
    return provider.cancel_payment(order) if provider is not None else None


def release_payment(order: Order) -> Order:
    """Close at the provider a payment whose hold ended; commits.

    If the provider cannot be reached the order stays marked and the next
    reconciliation tries again.
    """
    if not order.release_pending:
        return order
    try:
        update = _cancel_at_provider(order)
    except PaymentProviderError as exc:
        log.warning("order %s: could not close the payment at the provider (%s)", order.id, exc)
        return order
    locked = lock_order(order.id)
    if locked is None:
        db.session.rollback()
        return order
    if update is not None and update.outcome == Outcome.SUCCEEDED:
        # Paid just before the hold ran out: the money is in, the seat is theirs.
        settle_locked_order(locked, update)
    if update is None or update.outcome != Outcome.PENDING:
        locked.release_pending = False
    db.session.commit()
    return locked


def release_pending_payments() -> int:
    """Close every payment still open for an order that stopped waiting; returns how many."""
    pending = db.session.scalars(select(Order.id).where(Order.release_pending.is_(True))).all()
    return for_each_order(
        pending, lambda order: not release_payment(order).release_pending, "closing payments"
    )


def abandon_payment(
    order: Order, *, reason: str = "payment_abandoned", failure_reason: str = "changed_method"
) -> Order:
    """The buyer chose to pay another way (or the team cancelled the order): close this
    attempt at the provider, then fail it with `reason`.

    If the provider cannot close it (unreachable, or the payment is already being
    processed) the order keeps waiting; if it was paid meanwhile, it is paid. Commits.
    """
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return order
    try:
        update = _cancel_at_provider(order)
    except PaymentProviderError as exc:
        log.warning("order %s: could not close the payment to change method (%s)", order.id, exc)
        return order
    if update is not None and update.outcome == Outcome.SUCCEEDED:
        return apply_payment_update(update)
    if update is not None and update.outcome == Outcome.PENDING:
        return order
    locked = lock_order(order.id)
    if locked is None:
        db.session.rollback()
        return order
    provider = provider_of(locked)
    if failure_reason == "changed_method" and provider and not provider.withdraws_payments:
        # The old request or reference can still be paid: the buyer is told not to.
        failure_reason = "changed_method_open"
    if locked.status == OrderStatus.AWAITING_PAYMENT:
        move(
            locked,
            OrderStatus.FAILED,
            reason,
            failure_reason=failure_reason,
            release_pending=False,
        )
    db.session.commit()
    return locked
