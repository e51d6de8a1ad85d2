"""What Stripe's objects (PaymentIntents, Checkout Sessions) mean for one of our orders."""

from __future__ import annotations

from typing import Any

from app.orders.models import Order
from app.payments.provider import Outcome, PaymentUpdate


def attempt_of(obj: dict[str, Any]) -> int | None:
    """The attempt number our metadata put on a Stripe object, when it is there."""
    metadata = obj.get("metadata")
    value = metadata.get("attempt") if isinstance(metadata, dict) else None
    return int(value) if value and str(value).isdigit() else None


def intent_update(order: Order, intent: dict[str, Any]) -> PaymentUpdate:
    """What a PaymentIntent's state means for the order."""
    status = intent.get("status")
    common = {
        "order_id": str(order.id),
        "attempt": attempt_of(intent),
        "payment_intent_id": intent.get("id"),
    }
    if status == "succeeded":
        return PaymentUpdate(
            outcome=Outcome.SUCCEEDED,
            reason="payment_succeeded",
            amount_cents=intent.get("amount_received") or intent.get("amount"),
            currency=str(intent.get("currency", "")).upper(),
            **common,
        )
    if status == "canceled":
        return PaymentUpdate(outcome=Outcome.EXPIRED, reason="payment_canceled", **common)
    error = intent.get("last_payment_error")
    if status == "requires_payment_method" and error:
        code = error.get("decline_code") or error.get("code") or "payment_failed"
        return PaymentUpdate(outcome=Outcome.FAILED, reason=str(code)[:64], **common)
    return PaymentUpdate(outcome=Outcome.PENDING, reason=f"payment_{status}", **common)


def session_update(order: Order, session: Any) -> PaymentUpdate:
    """What a Checkout Session's state means for the order."""
    data = session.to_dict() if hasattr(session, "to_dict") else session
    intent = data.get("payment_intent")
    intent_id = intent.get("id") if isinstance(intent, dict) else intent
    common = {
        "order_id": str(order.id),
        "attempt": attempt_of(data),
        "payment_intent_id": intent_id,
    }
    if data.get("status") == "complete" and data.get("payment_status") == "paid":
        return PaymentUpdate(
            outcome=Outcome.SUCCEEDED,
            reason="checkout_paid",
            amount_cents=data.get("amount_total"),
            currency=str(data.get("currency", "")).upper(),
            **common,
        )
    if data.get("status") == "expired":
        return PaymentUpdate(outcome=Outcome.EXPIRED, reason="checkout_expired", **common)
    return PaymentUpdate(outcome=Outcome.PENDING, reason="checkout_open", **common)
