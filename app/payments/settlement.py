"""Applying what a provider verifiably said to an order: paid, failed, expired, refunded.

Only a verified statement from the provider (a signed webhook, or a server-side read
of the payment) moves an order to paid; a buyer coming back from a payment page never
does by itself. Functions named `*_locked_order` take an order the caller has locked
and leave the commit to the caller; the others lock and commit themselves.
"""

from __future__ import annotations

import logging
import uuid

from app.catalog.models import Offer
from app.extensions import db
from app.orders.holds import seats_taken
from app.orders.models import Order
from app.orders.moves import lock_order, move
from app.orders.notifications import order_paid, order_refunded
from app.orders.states import MoveRefused, OrderStatus
from app.payments.provider import Outcome, PaymentUpdate

log = logging.getLogger(__name__)

OUTCOME_TO_STATUS = {
    Outcome.SUCCEEDED: OrderStatus.PAID,
    Outcome.FAILED: OrderStatus.FAILED,
    Outcome.EXPIRED: OrderStatus.EXPIRED,
}


def _note_payment(order: Order, update: PaymentUpdate) -> None:
    if update.payment_intent_id and (
        not order.payment_intent_id or update.outcome == Outcome.SUCCEEDED
    ):
        # The PaymentIntent that took the money is the one refunds go to.
        order.payment_intent_id = update.payment_intent_id
    if update.receipt_url:
        order.receipt_url = update.receipt_url


def _settle_paid(order: Order, update: PaymentUpdate) -> str:
    status = OrderStatus(order.status)
    if update.amount_cents != order.amount_cents or (update.currency or "").upper() != (
        order.currency.upper()
    ):
        order.review_reason = "amount_mismatch"
        log.warning("order %s: paid amount does not match; flagged for review", order.id)
        return "flagged: amount mismatch"
    if status == OrderStatus.PAID:
        return "already paid"
    if status != OrderStatus.AWAITING_PAYMENT:
        offer = db.session.get(Offer, order.offer_id)
        # Money came in after the seat was released: keep it paid, and have a person
        # look if the seat was sold again meanwhile.
        if offer is not None and seats_taken(order.offer_id) + order.quantity > offer.capacity:
            order.review_reason = "paid_after_seat_released"
    try:
        move(order, OrderStatus.PAID, update.reason, release_pending=False)
    except MoveRefused:
        return f"ignored: order is {status}"
    if order.customer_id is None:
        # The buyer was erased while the payment was on its way: the money is in, the
        # order stays anonymized, and a person decides (refund, or find the buyer).
        order.review_reason = "paid_after_erasure"
        log.warning("order %s: paid after its buyer was erased; flagged for review", order.id)
        return "paid (buyer erased): flagged"
    # Email, Kit, CRM and GA4 hear of it through the outbox, in this same transaction.
    order_paid(order)
    return "paid"


def _second_payment(order: Order, update: PaymentUpdate) -> bool:
    """Money from another payment for an order already paid: a request or reference the
    buyer paid after paying another way (a gateway cannot always withdraw one)."""
    return (
        order.status == OrderStatus.PAID
        and bool(update.payment_intent_id and order.payment_intent_id)
        and update.payment_intent_id != order.payment_intent_id
    )


def settle_locked_order(order: Order, update: PaymentUpdate) -> str:
    """Apply a verified provider statement to a locked order; returns what happened.

    For the webhook ledger. A statement the table refuses (late or reordered news)
    changes nothing. The caller commits.
    """
    if update.outcome == Outcome.SUCCEEDED and _second_payment(order, update):
        # The buyer paid twice: a person refunds the extra payment (docs/operations/
        # payments.md); the order keeps the payment that paid it.
        order.review_reason = "paid_twice"
        log.warning("order %s: a second payment came in; flagged for review", order.id)
        return "flagged: paid twice"
    _note_payment(order, update)
    if update.outcome == Outcome.SUCCEEDED:
        return _settle_paid(order, update)
    target = OUTCOME_TO_STATUS.get(update.outcome)
    if target is None:
        return "pending"
    if update.attempt is not None and update.attempt != order.attempt:
        return "ignored: earlier attempt"
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return f"ignored: order is {order.status}"
    changes: dict[str, object] = {"release_pending": False}
    if target == OrderStatus.FAILED:
        changes["failure_reason"] = update.reason[:64]
    move(order, target, update.reason, **changes)
    return str(target)


def apply_payment_update(update: PaymentUpdate) -> Order:
    """Move the order as a verified provider statement says, under a row lock; commits."""
    order = lock_order(uuid.UUID(update.order_id))
    if order is None:
        db.session.rollback()
        raise LookupError(f"no order {update.order_id}")
    result = settle_locked_order(order, update)
    db.session.commit()
    log.info("order %s: %s (%s)", order.id, result, update.reason)
    return order


def refund_locked_order(order: Order, refunded_cents: int, *, by_transfer: bool = False) -> str:
    """Record a refunded total on a locked order (never goes down); a full refund moves it
    to refunded, which frees the seat. The caller commits."""
    if refunded_cents > order.refunded_cents:
        order.refunded_cents = refunded_cents
        order_refunded(order, refunded_cents, by_transfer=by_transfer)
    if order.refunded_cents < order.amount_cents:
        return "partially refunded"
    try:
        move(order, OrderStatus.REFUNDED, "refunded")
    except MoveRefused:
        return f"ignored: order is {order.status}"
    return "refunded"


def record_refund(order_id: uuid.UUID, refunded_cents: int, *, by_transfer: bool = False) -> str:
    """Keep the refunded total on the order, under a row lock; commits. `by_transfer`: the
    team sent it by bank transfer (the buyer's email says so)."""
    order = lock_order(order_id)
    if order is None:
        db.session.rollback()
        raise LookupError(f"no order {order_id}")
    result = refund_locked_order(order, refunded_cents, by_transfer=by_transfer)
    db.session.commit()
    return result
