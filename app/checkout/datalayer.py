"""The GA4 ecommerce steps the checkout pushes to the dataLayer: view, begin, pay, purchase.

Only reads: what must happen once per order (the purchase) is remembered in the
buyer's signed session, not in the database; GA4 also drops a second purchase with the
same transaction_id.
"""

from __future__ import annotations

from typing import Any

from flask import session

from app.analytics.datalayer import PAYMENT_INFO_KEY, PURCHASES_KEY, push
from app.catalog.models import Offer
from app.money import cents_to_decimal
from app.orders.models import Order
from app.orders.pricing import line_of
from app.orders.states import OrderStatus

# Enough for anyone's recent orders, small enough for a cookie.
REMEMBERED = 5


def _euros(cents: int) -> float:
    # GA4 wants a JSON number; the float is made here, at the boundary, from exact cents.
    return float(cents_to_decimal(cents))


def item(offer: Offer, unit_cents: int | None = None, quantity: int = 1) -> dict[str, Any]:
    """The offer as GA4's item: `quantity` seats at `unit_cents` (the offer's price now)."""
    return {
        "item_id": offer.slug,
        "item_name": offer.localized_name("pt_PT"),
        "price": _euros(offer.price_cents if unit_cents is None else unit_cents),
        "quantity": quantity,
    }


def push_offer_view(offer: Offer) -> None:
    """The checkout page: the offer seen, and the checkout begun."""
    for name in ("view_item", "begin_checkout"):
        push(
            {
                "event": name,
                "ecommerce": {
                    "currency": "EUR",
                    "value": _euros(offer.price_cents),
                    "items": [item(offer)],
                },
            }
        )


def _once(key: str, order: Order) -> bool:
    """True the first time this browser's session sees `order` under `key`."""
    seen = session.get(key, [])
    if str(order.id) in seen:
        return False
    session[key] = [*seen[-(REMEMBERED - 1) :], str(order.id)]
    return True


def push_order_progress(order: Order) -> None:
    """The order page: payment info once per order, the purchase once, per browser."""
    # The seats at the price the order was placed for, which adds up to its amount.
    line = line_of(order.amount_cents, order.quantity)
    ecommerce = {
        "currency": "EUR",
        "value": _euros(order.amount_cents),
        "items": [item(order.offer, line.unit_cents, line.quantity)],
    }

    def payment_info_once() -> None:
        if _once(PAYMENT_INFO_KEY, order):
            push(
                {
                    "event": "add_payment_info",
                    "ecommerce": {**ecommerce, "payment_type": order.payment_method},
                }
            )

    if order.status == OrderStatus.AWAITING_PAYMENT:
        payment_info_once()
    elif order.status == OrderStatus.PAID and _once(PURCHASES_KEY, order):
        # A card paid at Stripe (or on the demo card page) is often paid before the
        # order page is first shown: the funnel still gets its payment step.
        payment_info_once()
        push(
            {
                "event": "purchase",
                "ecommerce": {
                    **ecommerce,
                    "transaction_id": str(order.id),
                    "tax": _euros(order.vat_cents),
                },
            }
        )
