"""Refunding a paid order, all of it or part, at the provider that took the money."""

from __future__ import annotations

from app.orders.models import Order
from app.orders.states import OrderStatus
from app.payments.provider import PaymentProviderError
from app.payments.registry import get_provider
from app.payments.settlement import record_refund


def refund_order(order: Order, amount_cents: int | None = None) -> str:
    """Ask the provider to refund a paid order; returns the provider's refund reference.

    A provider that sends webhooks confirms the refund by one, which then updates the
    order; one that does not has its refund recorded as soon as it accepts it.
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
    if not provider.sends_webhooks:
        record_refund(order.id, order.refunded_cents + (amount_cents or remaining))
    return reference
