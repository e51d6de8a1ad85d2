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
from app.orders.pricing import OrderPrice, price_of
from app.orders.states import OrderStatus

# Enough for anyone's recent orders, small enough for a cookie.
REMEMBERED = 5


def _euros(cents: int) -> float:
    # GA4 wants a JSON number; the float is made here, at the boundary, from exact cents.
    return float(cents_to_decimal(cents))


def item(offer: Offer, price: OrderPrice | None = None) -> dict[str, Any]:
    """The ticket as GA4 lists it: the seat's price of the day, and the code's share."""
    price = price or price_of(offer, 1)
    entry: dict[str, Any] = {
        "item_id": offer.slug,
        "item_name": offer.localized_name("pt_PT"),
        "price": _euros(price.unit_cents),
        "quantity": price.quantity,
    }
    if price.coupon:
        entry["coupon"] = price.coupon
        entry["discount"] = _euros(price.discount_cents)
    return entry


def push_offer_view(offer: Offer, price: OrderPrice | None = None) -> None:
    """The checkout page: the offer seen, and the checkout begun (with the code the link
    brought, if it is good)."""
    price = price or price_of(offer, 1)
    for name in ("view_item", "begin_checkout"):
        ecommerce: dict[str, Any] = {
            "currency": "EUR",
            "value": _euros(price.total_cents),
            "items": [item(offer, price)],
        }
        if price.coupon:
            ecommerce["coupon"] = price.coupon
        push({"event": name, "ecommerce": ecommerce})


def _order_price(order: Order) -> OrderPrice:
    """What the order was charged, in the pricing's terms (the list price of its day)."""
    unit = order.list_unit_cents or (order.amount_cents + order.discount_cents) // order.quantity
    return OrderPrice(
        unit_cents=unit,
        quantity=order.quantity,
        total_cents=order.amount_cents,
        vat_cents=order.vat_cents,
        list_unit_cents=unit,
        discount_cents=order.discount_cents,
        coupon=order.coupon_code,
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
    ecommerce: dict[str, Any] = {
        "currency": "EUR",
        "value": _euros(order.amount_cents),
        "items": [item(order.offer, _order_price(order))],
    }
    if order.coupon_code:
        ecommerce["coupon"] = order.coupon_code

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
