"""Applying verified Stripe webhook events: one table says what each event type does.

Each event is applied in one transaction that locks the order's row and stores the
event id under a unique constraint, so a duplicate delivery changes nothing and
concurrent or reordered deliveries end in the state the transition table allows.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.checkout.models import Order
from app.checkout.services import lock_order
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.payments.models import WebhookEvent
from app.payments.provider import Outcome, PaymentUpdate, ProviderEvent
from app.payments.services import refund_locked_order, settle_locked_order
from app.payments.stripe_provider import attempt_of, intent_update, session_update

log = logging.getLogger(__name__)

Handler = Callable[[Order, dict[str, Any]], str]


def _intent(order: Order, intent: dict[str, Any]) -> str:
    if order.provider_reference and order.provider_reference.startswith("cs_"):
        # A card attempt inside Checkout: Stripe lets the buyer try another card in
        # the same session, so only success (or the session's own end) settles it.
        update = intent_update(order, intent)
        if update.outcome != Outcome.SUCCEEDED:
            return f"noted: {update.reason}"
        return settle_locked_order(order, update)
    return settle_locked_order(order, intent_update(order, intent))


def _session(order: Order, session: dict[str, Any]) -> str:
    return settle_locked_order(order, session_update(order, session))


def _session_failed(order: Order, session: dict[str, Any]) -> str:
    update = PaymentUpdate(
        str(order.id), Outcome.FAILED, "async_payment_failed", attempt=attempt_of(session)
    )
    return settle_locked_order(order, update)


def _charge_succeeded(order: Order, charge: dict[str, Any]) -> str:
    if charge.get("receipt_url"):
        order.receipt_url = charge["receipt_url"]
    return "receipt noted"


def _charge_refunded(order: Order, charge: dict[str, Any]) -> str:
    if charge.get("receipt_url"):
        order.receipt_url = charge["receipt_url"]
    refunded = int(charge.get("amount_refunded") or 0)
    if charge.get("refunded"):
        refunded = max(refunded, order.amount_cents)
    return refund_locked_order(order, refunded)


def _dispute(order: Order, dispute: dict[str, Any]) -> str:
    order.review_reason = "dispute"
    log.warning("order %s: the buyer disputed the payment", order.id)
    return "flagged: dispute"


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _intent,
    "payment_intent.payment_failed": _intent,
    "payment_intent.canceled": _intent,
    "payment_intent.processing": _intent,
    "checkout.session.completed": _session,
    "checkout.session.async_payment_succeeded": _session,
    "checkout.session.async_payment_failed": _session_failed,
    "checkout.session.expired": _session,
    "charge.succeeded": _charge_succeeded,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute,
}


def _order_id_for(event: ProviderEvent) -> uuid.UUID | None:
    """Our order behind the event: its metadata, or the PaymentIntent we stored."""
    obj = event.data
    candidates = [(obj.get("metadata") or {}).get("order_id"), obj.get("client_reference_id")]
    for value in candidates:
        try:
            return uuid.UUID(str(value))
        except ValueError:
            continue
    intent = obj.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    if intent:
        return db.session.scalar(select(Order.id).where(Order.payment_intent_id == intent))
    return None


def handle_event(event: ProviderEvent, provider: str = "stripe") -> str:
    """Apply one verified event at most once; returns what it did."""
    handler = HANDLERS.get(event.type)
    order_id = _order_id_for(event) if handler else None
    order = lock_order(order_id) if order_id else None
    if order is None:
        begin_locking_transaction()
    record = WebhookEvent(
        provider=provider,
        event_id=event.id,
        type=event.type[:64],
        order_id=order.id if order else None,
        result="",
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    if handler is None:
        result = "not handled"
    elif order is None:
        result = "no order"
    else:
        result = handler(order, event.data)
    record.result = result[:80]
    db.session.commit()
    log.info("webhook %s %s: %s", event.type, event.id, result)
    return result
