"""Starting payments and applying what providers say to orders.

Only a verified statement from the provider (a signed webhook, or a server-side read
of the payment) moves an order to paid; a buyer coming back from a payment page never
does by itself.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.catalog.models import Offer
from app.checkout.models import Order
from app.checkout.services import lock_order, move_order, seats_taken
from app.checkout.states import OrderStatus, TransitionRefused
from app.extensions import db
from app.outbox import services as outbox
from app.payments.demo import DemoProvider
from app.payments.provider import (
    Outcome,
    PaymentProvider,
    PaymentProviderError,
    PaymentUpdate,
)
from app.payments.stripe_provider import StripeProvider
from app.timeutil import utcnow

log = logging.getLogger(__name__)

OUTCOME_TO_STATUS = {
    Outcome.SUCCEEDED: OrderStatus.PAID,
    Outcome.FAILED: OrderStatus.FAILED,
    Outcome.EXPIRED: OrderStatus.EXPIRED,
}


def build_provider(config: dict) -> PaymentProvider:
    """The provider PAYMENT_PROVIDER names, from the app's settings."""
    name = config["PAYMENT_PROVIDER"]
    if name == "demo":
        return DemoProvider(config["APP_ENV"])
    if name == "stripe":
        return StripeProvider(
            config["STRIPE_SECRET_KEY"],
            config.get("STRIPE_WEBHOOK_SECRET"),
            api_base=config.get("STRIPE_API_BASE"),
            max_network_retries=config["STRIPE_MAX_NETWORK_RETRIES"],
            timeout_seconds=config["STRIPE_TIMEOUT_SECONDS"],
        )
    raise RuntimeError(f"unknown PAYMENT_PROVIDER {name!r}")


def get_provider() -> PaymentProvider:
    """The provider chosen by PAYMENT_PROVIDER, built once per app."""
    provider = current_app.extensions.get("payment_provider")
    if provider is None:
        provider = build_provider(current_app.config)
        current_app.extensions["payment_provider"] = provider
    return provider


def start_payment(order: Order, *, return_url: str) -> str | None:
    """Hand the order to the provider and keep what it made; returns where the buyer goes.

    When the provider refuses or cannot be reached, the order fails with the reason
    (its seat is released, nothing was charged) and the order page offers a retry.
    """
    provider = get_provider()
    absolute_return = current_app.config["BASE_URL"] + return_url
    try:
        start = provider.start_payment(order, return_url=absolute_return)
    except PaymentProviderError as exc:
        log.warning("order %s: payment could not start (%s)", order.id, exc)
        db.session.rollback()
        apply_payment_update(
            PaymentUpdate(str(order.id), Outcome.FAILED, exc.code, attempt=order.attempt)
        )
        return None
    order = lock_order(order.id) or order
    order.provider_reference = start.provider_reference
    order.payment_intent_id = start.payment_intent_id
    order.payment_url = start.payment_url
    if start.multibanco is not None:
        order.multibanco_entity = start.multibanco.entity
        order.multibanco_reference = start.multibanco.reference
        # A Multibanco seat is held as long as its voucher can be paid.
        order.expires_at = start.multibanco.expires_at
    db.session.commit()
    if start.update is not None:
        apply_payment_update(start.update)
    return start.redirect_url


def settle_locked_order(order: Order, update: PaymentUpdate) -> str:
    """Apply a verified provider statement to an order the caller has locked.

    Returns what happened, for the webhook ledger. The caller commits. A statement
    the transition table refuses (late or reordered news) changes nothing.
    """
    if update.payment_intent_id and (
        not order.payment_intent_id or update.outcome == Outcome.SUCCEEDED
    ):
        # The PaymentIntent that took the money is the one refunds go to.
        order.payment_intent_id = update.payment_intent_id
    if update.receipt_url:
        order.receipt_url = update.receipt_url
    status = OrderStatus(order.status)
    if update.outcome == Outcome.SUCCEEDED:
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
            # Money came in after the seat was released: keep it paid, and have a
            # person look if the seat was sold again meanwhile.
            if offer is not None and seats_taken(order.offer_id) >= offer.capacity:
                order.review_reason = "paid_after_seat_released"
        try:
            move_order(order, OrderStatus.PAID, update.reason, release_pending=False)
        except TransitionRefused:
            return f"ignored: order is {status}"
        # Email, Kit, CRM and GA4 hear of it through the outbox, in this same transaction.
        outbox.order_paid(order)
        return "paid"
    target = OUTCOME_TO_STATUS.get(update.outcome)
    if target is None:
        return "pending"
    if update.attempt is not None and update.attempt != order.attempt:
        return "ignored: earlier attempt"
    if status != OrderStatus.AWAITING_PAYMENT:
        return f"ignored: order is {status}"
    changes: dict[str, object] = {"release_pending": False}
    if target == OrderStatus.FAILED:
        changes["failure_reason"] = update.reason[:64]
    move_order(order, target, update.reason, **changes)
    return str(target)


def apply_payment_update(update: PaymentUpdate) -> Order:
    """Move the order as a verified provider statement says, under a row lock."""
    order = lock_order(uuid.UUID(update.order_id))
    if order is None:
        db.session.rollback()
        raise LookupError(f"no order {update.order_id}")
    result = settle_locked_order(order, update)
    db.session.commit()
    log.info("order %s: %s (%s)", order.id, result, update.reason)
    return order


def check_with_provider(order: Order) -> Order:
    """When the webhook is late, read the payment at the provider (at most every few seconds).

    Used by the order page while it waits; a provider that does not answer leaves
    the order as it is, and the page keeps waiting.
    """
    if order.status != OrderStatus.AWAITING_PAYMENT or not order.provider_reference:
        return order
    provider = get_provider()
    if provider.is_demo or order.provider != provider.name:
        return order
    now = utcnow()
    every = timedelta(seconds=current_app.config["PAYMENT_STATUS_CHECK_SECONDS"])
    last = order.provider_checked_at or order.updated_at or order.created_at
    if last is not None and now - last < every:
        return order
    order = lock_order(order.id) or order
    order.provider_checked_at = now
    db.session.commit()
    try:
        update = provider.fetch_status(order)
    except PaymentProviderError as exc:
        log.warning("order %s: could not read the payment (%s)", order.id, exc)
        return order
    if update is None or update.outcome == Outcome.PENDING:
        return order
    return apply_payment_update(update)


def release_payment(order: Order) -> Order:
    """Close at the provider a payment the shop stopped waiting for (an expired hold).

    If the provider cannot be reached the order stays marked, and `flask payments
    release` (scheduled with `orders expire`) tries again.
    """
    if not order.release_pending:
        return order
    provider = get_provider()
    try:
        # An order made under another provider (the shop switched from the demo to
        # Stripe) has nothing this one could close.
        update = provider.cancel_payment(order) if order.provider == provider.name else None
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


def abandon_payment(order: Order) -> Order:
    """The buyer chose to pay another way: close this attempt at the provider, then fail it.

    If the provider cannot close it (unreachable, or the payment is already being
    processed) the order keeps waiting; if it was paid meanwhile, it is paid.
    """
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return order
    provider = get_provider()
    try:
        update = provider.cancel_payment(order) if order.provider == provider.name else None
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
    if locked.status == OrderStatus.AWAITING_PAYMENT:
        move_order(
            locked,
            OrderStatus.FAILED,
            "payment_abandoned",
            failure_reason="changed_method",
            release_pending=False,
        )
    db.session.commit()
    return locked


def release_pending_payments() -> int:
    """Close every payment still open for an order that stopped waiting; returns how many."""
    pending = db.session.scalars(select(Order.id).where(Order.release_pending.is_(True))).all()
    closed = 0
    for order_id in pending:
        order = db.session.get(Order, order_id)
        if order is not None and not release_payment(order).release_pending:
            closed += 1
    return closed


def receipt_url(order: Order) -> str | None:
    """The provider's hosted receipt for a paid order, cached on the order once known."""
    if order.receipt_url:
        return order.receipt_url
    provider = get_provider()
    if order.provider != provider.name:
        return None
    url = provider.receipt_url(order)
    if url:
        order = lock_order(order.id) or order
        order.receipt_url = url
        db.session.commit()
    return url


def refund_order(order: Order, amount_cents: int | None = None) -> str:
    """Ask the provider to refund a paid order; the refund webhook then updates the order.

    The demo provider has no webhooks, so its refunds are recorded at once.
    """
    if order.status != OrderStatus.PAID:
        raise PaymentProviderError("not_refundable", f"order is {order.status}")
    remaining = order.amount_cents - order.refunded_cents
    if amount_cents is not None and not 0 < amount_cents <= remaining:
        raise PaymentProviderError("not_refundable", f"at most {remaining} cents can be refunded")
    provider = get_provider()
    if order.provider != provider.name:
        raise PaymentProviderError("not_refundable", f"order was paid through {order.provider}")
    reference = provider.refund(order, amount_cents)
    if provider.is_demo:
        record_refund(order.id, order.refunded_cents + (amount_cents or remaining))
    return reference


def record_refund(order_id: uuid.UUID, refunded_cents: int) -> str:
    """Keep the refunded total on the order; a full refund moves it to refunded (frees the seat)."""
    order = lock_order(order_id)
    if order is None:
        db.session.rollback()
        raise LookupError(f"no order {order_id}")
    result = refund_locked_order(order, refunded_cents)
    db.session.commit()
    return result


def refund_locked_order(order: Order, refunded_cents: int) -> str:
    """Record a refunded total on a locked order (caller commits); never goes down."""
    if refunded_cents > order.refunded_cents:
        order.refunded_cents = refunded_cents
        outbox.order_refunded(order, refunded_cents)
    if order.refunded_cents < order.amount_cents:
        return "partially refunded"
    try:
        move_order(order, OrderStatus.REFUNDED, "refunded")
    except TransitionRefused:
        return f"ignored: order is {order.status}"
    return "refunded"
