"""Refunding a paid order, all of it or part: at the provider that took the money, or, where
it cannot send money back (a Multibanco payment; a provider the shop no longer uses),
by a bank transfer the team makes and records here."""

from __future__ import annotations

from app.orders.models import Order
from app.orders.states import OrderStatus
from app.payments.provider import PaymentProviderError
from app.payments.registry import provider_of
from app.payments.settlement import record_refund


def _checked_amount(order: Order, amount_cents: int | None) -> int:
    """The cents to refund (all that is left when None); refuses what is not refundable."""
    if order.status != OrderStatus.PAID:
        raise PaymentProviderError("not_refundable", f"order is {order.status}")
    remaining = order.amount_cents - order.refunded_cents
    if amount_cents is not None and not 0 < amount_cents <= remaining:
        raise PaymentProviderError("not_refundable", f"at most {remaining} cents can be refunded")
    return amount_cents or remaining


def refunds_by_transfer(order: Order) -> bool:
    """Whether the order's money can only go back by a bank transfer the team makes."""
    provider = provider_of(order)
    return provider is None or not provider.can_refund(order)


def refund_order(order: Order, amount_cents: int | None = None) -> str:
    """Ask the provider to refund a paid order; returns the provider's refund reference.

    A provider that sends webhooks confirms the refund by one, which then updates the
    order; one that does not has its refund recorded as soon as it accepts it.
    """
    cents = _checked_amount(order, amount_cents)
    provider = provider_of(order)
    if provider is None or not provider.can_refund(order):
        raise PaymentProviderError(
            "refund_by_transfer",
            f"{order.provider} cannot send this {order.payment_method} payment back: refund "
            "it by bank transfer and record it in the back office",
        )
    reference = provider.refund(order, amount_cents)
    if not provider.sends_webhooks:
        record_refund(order.id, order.refunded_cents + cents)
    return reference


def record_transfer_refund(order: Order, amount_cents: int | None) -> int:
    """Record money the team sent back by bank transfer; returns the cents recorded.

    Recorded like any refund: the order's refunded total, a full refund freeing the
    seat, the buyer's email and the credit note.
    """
    cents = _checked_amount(order, amount_cents)
    record_refund(order.id, order.refunded_cents + cents, by_transfer=True)
    return cents
