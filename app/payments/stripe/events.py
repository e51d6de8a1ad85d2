"""What each Stripe webhook event does to the order it is about: one table.

The handlers take a locked order (payments/webhooks.py locks it and records the event
once) and leave the commit to it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from app.orders.lookup import order_by_payment_intent
from app.orders.models import Order
from app.payments.provider import Outcome, PaymentUpdate, ProviderEvent
from app.payments.settlement import refund_locked_order, settle_locked_order
from app.payments.stripe.statements import attempt_of, intent_update, session_update
from app.payments.webhooks import Handler

log = logging.getLogger(__name__)

INTENT_SUCCEEDED = "payment_intent.succeeded"
INTENT_FAILED = "payment_intent.payment_failed"
INTENT_CANCELED = "payment_intent.canceled"
INTENT_PROCESSING = "payment_intent.processing"
SESSION_COMPLETED = "checkout.session.completed"
SESSION_ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
SESSION_ASYNC_FAILED = "checkout.session.async_payment_failed"
SESSION_EXPIRED = "checkout.session.expired"
CHARGE_SUCCEEDED = "charge.succeeded"
CHARGE_REFUNDED = "charge.refunded"
DISPUTE_CREATED = "charge.dispute.created"


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
    INTENT_SUCCEEDED: _intent,
    INTENT_FAILED: _intent,
    INTENT_CANCELED: _intent,
    INTENT_PROCESSING: _intent,
    SESSION_COMPLETED: _session,
    SESSION_ASYNC_SUCCEEDED: _session,
    SESSION_ASYNC_FAILED: _session_failed,
    SESSION_EXPIRED: _session,
    CHARGE_SUCCEEDED: _charge_succeeded,
    CHARGE_REFUNDED: _charge_refunded,
    DISPUTE_CREATED: _dispute,
}


def order_id_for(event: ProviderEvent) -> uuid.UUID | None:
    """Our order behind the event: its metadata, or the PaymentIntent we stored."""
    obj = event.data
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    for value in (metadata.get("order_id"), obj.get("client_reference_id")):
        if isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:
                continue
    intent = obj.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    # Only a plausible id is looked up: anything else is an event about no order of ours.
    if isinstance(intent, str) and 0 < len(intent) <= 255 and "\x00" not in intent:
        return order_by_payment_intent(intent)
    return None
