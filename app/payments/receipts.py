"""The provider's hosted receipt for a paid order."""

from __future__ import annotations

from app.orders.models import Order
from app.payments.registry import provider_class, provider_of


def has_receipt(order: Order) -> bool:
    """Whether the provider that took the order's money keeps hosted receipts."""
    provider = provider_class(order.provider)
    return bool(provider and provider.has_receipts)


def receipt_url(order: Order) -> str | None:
    """The receipt's address: the one a webhook noted, else read at the provider.

    Only reads: the receipt page is a GET, so what is read is not stored.
    """
    if order.receipt_url:
        return order.receipt_url
    provider = provider_of(order)
    if provider is None or not provider.has_receipts:
        return None
    return provider.receipt_url(order)
