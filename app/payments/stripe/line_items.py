"""What Stripe shows the buyer and puts on its receipt: the order's line and description.

The line always adds up to the order's amount to the cent, since the webhook's amount is
checked against it: seats × unit price when the total divides evenly, else one line of
the whole.
"""

from __future__ import annotations

from typing import Any

from app.orders.models import Order
from app.orders.pricing import line_of


def stripe_amount(cents: int, currency: str) -> int:
    """Stripe's minor units for an amount in our cents (EUR: the same number)."""
    if currency.upper() != "EUR":
        raise ValueError(f"the shop only sells in EUR, not {currency}")
    return cents


def _tickets(order: Order) -> str:
    """ "Bilhete Geral", or "2 × Bilhete Geral" for an order of several seats."""
    name = order.offer.localized_name(order.locale)
    return f"{order.quantity} × {name}" if order.quantity > 1 else name


def _code(order: Order) -> str:
    # The amount already has the code's discount off; the name says which code it was.
    return f" ({order.coupon_code})" if order.coupon_code else ""


def order_description(order: Order) -> str:
    return f"Café com Vendas — {_tickets(order)}{_code(order)}"


def line_item(order: Order) -> dict[str, Any]:
    """The order as Checkout's one line item."""
    line = line_of(order.amount_cents, order.quantity)
    name = order.offer.localized_name(order.locale) if line.quantity > 1 else _tickets(order)
    return {
        "quantity": line.quantity,
        "price_data": {
            "currency": order.currency.lower(),
            "unit_amount": stripe_amount(line.unit_cents, order.currency),
            "product_data": {"name": f"Café com Vendas — {name}{_code(order)}"},
        },
    }
